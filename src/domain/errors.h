/* errors — the words the domain puts in a caller's message buffer when
 * the store failed (-EIO). They are the domain's, not a protocol's: the
 * HTTP API maps -EIO to its own "Internal server error" (api/json.c), the
 * console shows them as they are.
 *
 * Constants only. Thread: any.
 */
#ifndef RESOPS_DOMAIN_ERRORS_H
#define RESOPS_DOMAIN_ERRORS_H

#define DOMAIN_IO_ERROR "storage error"

#endif
