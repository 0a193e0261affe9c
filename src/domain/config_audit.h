/* config_audit — the audit row of a configuration reload (issue 13,
 * SIGHUP). The domain writes every audit row; main only reports what the
 * reload applied.
 *
 * Thread: the Store's owner.
 */
#ifndef RESOPS_DOMAIN_CONFIG_AUDIT_H
#define RESOPS_DOMAIN_CONFIG_AUDIT_H

#include <stdint.h>

typedef struct Store Store;

/* One row "Config Reloaded" (entity Config, the system user) naming the
 * settings applied and those that need a restart (NULL: none). 0 or
 * -EIO. */
int config_audit_reloaded(Store *st, const char *applied, const char *restart, int64_t now);

#endif
