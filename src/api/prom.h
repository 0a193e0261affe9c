/* prom — the listener's request metrics and the Prometheus text format
 * (exposition format 0.0.4) that GET /api/admin/metrics writes
 * (h_prom.c).
 *
 * The registry is process-wide and lock-free: one slot per row of the
 * router's table (its index in api_routes()), plus one per method for
 * requests that matched no route. A slot holds a request counter per
 * status code (codes claim their cell with a compare-and-swap) and a
 * latency histogram (counters.h). server.c calls prom_observe() once per
 * answered request, where the response is queued.
 *
 * Thread: any.
 */
#ifndef RESOPS_API_PROM_H
#define RESOPS_API_PROM_H

#include <stdint.h>
#include "counters.h"
#include "util.h"

struct ApiRoute;

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define PROM_MAX_ROUTES   512   /* rows of the router's table we keep slots for */

/* One answered request: r its route (NULL: none matched; then method
 * picks the slot), its status and its duration in ns (from its headers to
 * its response being queued). */
void prom_observe(const struct ApiRoute *r, const char *method, int status, int64_t ns);

/* resops_http_requests_total and resops_http_request_duration_seconds
 * for every slot that has seen a request. */
void prom_write_http(StrBuf *b);

/* The process_* families from /proc/self (resident and virtual memory,
 * open and maximum descriptors, threads, CPU seconds, start time). */
void prom_write_process(StrBuf *b);

/* Writers for the other families: "# HELP" and "# TYPE" lines; one
 * sample (labels: "" or 'a="x",b="y"', already escaped); a histogram's
 * buckets, _sum and _count. */
void prom_family(StrBuf *b, const char *name, const char *type, const char *help);
void prom_sample(StrBuf *b, const char *name, const char *labels, int64_t v);
void prom_hist(StrBuf *b, const char *name, const char *labels, const Hist *h);

/* A label value escaped (\\, \" and \n) into out (truncated to size). */
void prom_escape(const char *v, char *out, size_t size);

#endif
