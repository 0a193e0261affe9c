/* runbook — issue 11 item 6: a service's runbook_url (migration 0013).
 * Set with the service (POST/PUT /api/services, services.c), shown in the
 * console's service detail and carried by every notification about the
 * service (notify_service_event).
 *
 * Thread: whoever owns the Store passed in; runbook_check: any.
 */
#ifndef RESOPS_DOMAIN_RUNBOOK_H
#define RESOPS_DOMAIN_RUNBOOK_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

/* A runbook URL: NULL or "" (none), or an absolute http:// or https://
 * URL with a host, at most RUNBOOK_URL_MAX (2048) characters, no spaces
 * or control characters. 0, or -EINVAL with err naming runbook_url. */
int runbook_check(const char *url, char *err, size_t errsz);

/* Inside the caller's transaction: set (or clear) it and audit "Runbook
 * Updated" (entity Service). 0, -ENOENT, -EIO. */
int runbook_set_locked(Store *st, int64_t service_id, const char *url, int64_t user_id,
                       int64_t now);

#endif
