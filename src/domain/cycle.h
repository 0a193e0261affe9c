/* cycle — one evaluation pass of the engine over every service, with no
 * network: risk scoring (seed 000 §3.2), SLA breaches and the risk and
 * SLA alerts. Probes and heartbeats are judged before it (engine/).
 *
 * Cost is linear in services + dependency edges + recent downtimes: the
 * inputs come from a handful of bulk queries, the work is in memory, and
 * only changes are written, in one transaction.
 *
 * Thread: whoever owns the Store (the engine thread in resops).
 */
#ifndef RESOPS_DOMAIN_CYCLE_H
#define RESOPS_DOMAIN_CYCLE_H

#include <stdint.h>
#include "store/store.h"
#include "domain/rules.h"

typedef struct CycleStats {
    int services;
    int risk_changed;      /* history rows appended */
    int alerts_raised;
    int alerts_resolved;
    int breaches;          /* new SLA breaches */
    int acks_expired;      /* alerts reopened because their ack expired */
} CycleStats;

/* 0 or -EIO (nothing of the cycle is kept on error). */
int cycle_evaluate(Store *st, int64_t now, CycleStats *out);

/* Score one service now with exactly the cycle's inputs (the same
 * RiskInput builder): 1 and *out, 0 no such service, -EIO. Writes nothing;
 * POST /api/risk/<id>/save and the health endpoint use it. */
int cycle_risk_one(Store *st, int64_t service_id, int64_t now, RiskResult *out);

/* The cycle's risk step for one service, now: score it as the cycle
 * does and write risk_current (and a history row when score, level or
 * critical changed, the cycle's rule), in its own transaction, which
 * nests in the caller's. Alerts are left to the next cycle, which also
 * refreshes an open alert whose text no longer matches. services.c calls
 * it when a service is created or its BIA, dependencies or integrations
 * change, so GET /api/risk/<id> does not wait for the next tick (S3).
 * 1 done, 0 no such service, -EIO. */
int cycle_rescore_one(Store *st, int64_t service_id, int64_t now);

/* Judge heartbeat services (those without a probe) and apply status
 * changes through services_set_status. Returns number changed or -EIO. */
int cycle_heartbeats(Store *st, int64_t now, const StatusRules *rules);

#endif
