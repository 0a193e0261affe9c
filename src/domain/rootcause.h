/* rootcause — root cause first (issue 11 item 2): which Down or Degraded
 * service a service is blocked by, from the dependency graph.
 *
 * DEFINITION. A service is impaired when its status is Down or Degraded.
 * A ROOT is an impaired service none of whose dependencies, followed
 * transitively, is impaired. The root cause of a service S is a root that
 * S depends on transitively (through any services, whatever their
 * status); with several, the one Down before the Degraded ones, then the
 * farthest upstream (the most dependency hops from S), then the lowest
 * id. A root itself, and a service with no impaired ancestor, has none
 * (0). Impaired services that only depend on each other in a cycle have
 * no root: their alerts stay unfolded.
 * A service is AFFECTED when it is impaired or has an unresolved condition
 * alert. Only affected services are "blocked by" their root cause and
 * counted among its "dependents affected": an Up service with no open
 * condition is not blocked, though its root cause is still known (a
 * late raise of its alert folds under it).
 *
 * Alerts of a service with a root cause are folded under the root in the
 * console and the API (root_cause_service_id), and their notifications
 * are folded into the root's page (rootcause_fold_event, called by
 * notify.c's fan-out).
 *
 * Thread: the pure functions any; the loaders the Store's owner.
 */
#ifndef RESOPS_DOMAIN_ROOTCAUSE_H
#define RESOPS_DOMAIN_ROOTCAUSE_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

enum { RC_OK = 0, RC_DEGRADED = 1, RC_DOWN = 2 };

/* The graph: n services sorted by id with their impairment (RC_*), and
 * nedges edges from[k] depends on to[k] (ids; unknown ids ignored). */
typedef struct RcGraph {
    const int64_t *ids;
    const int     *impaired;
    int            n;
    const int64_t *from, *to;
    int            nedges;
    const char    *affected;   /* [i]: ids[i] is affected; NULL: all are */
} RcGraph;

/* Pure: out_root[i] = the root cause of ids[i] or 0; out_dependents (may
 * be NULL) [i] = how many affected services have ids[i] as their root
 * cause. Returns how many services have a root cause. */
int rootcause_compute(const RcGraph *g, int64_t *out_root, int *out_dependents);

/* out[i] = whether ids[i] (n, sorted by id; impaired[i] its RC_*) is
 * affected: impaired or with an unresolved condition. 0 or -EIO. */
int rootcause_affected(Store *st, const int64_t *ids, const int *impaired, int n, char *out);

/* RC_DOWN, RC_DEGRADED or RC_OK for a status name (NULL: RC_OK). */
int rootcause_impairment(const char *status);

/* Whether an alert of a service that has a root cause is folded under it:
 * an unresolved condition (kind "condition"); classifications and
 * resolved alerts never are. */
int rootcause_folds(const char *kind, int resolved);

/* The whole map, loaded from the store. */
typedef struct RootCauses {
    int      n;
    int64_t *ids, *root;
    int     *dependents;
    char    *has_deps;
} RootCauses;

/* Load statuses and dependencies and compute: 0 or -EIO. */
int  rootcause_load(Store *st, RootCauses *out);
void rootcause_free(RootCauses *rc);
/* The root cause of id (0 none or unknown); how many affected services
 * it is the root cause of; whether id depends on anything. */
int64_t rootcause_of(const RootCauses *rc, int64_t id);
int     rootcause_dependents(const RootCauses *rc, int64_t id);
int     rootcause_has_deps(const RootCauses *rc, int64_t id);

/* ---- notifications (rootcause_notify.c) ---------------------------------
 * What the fan-out does with one "event" outbox row (its payload parsed
 * into doc, which this may change: the root's page gets
 * "dependents_affected", its resolution "dependents" and both a longer
 * message): ROOTCAUSE_SEND fan it out; ROOTCAUSE_FOLDED it is folded
 * under a root cause (recorded on the alert and audited "Notification
 * Folded"): mark it done without channel rows; ROOTCAUSE_WAIT hold it
 * until *out_due_ms (group_wait); or -EIO. In the fan-out's transaction.
 * Thread: the notifier (the Store's owner). */
enum { ROOTCAUSE_SEND = 0, ROOTCAUSE_FOLDED = 1, ROOTCAUSE_WAIT = 2 };
struct cJSON;
struct OutboxRow;
int rootcause_fold_event(Store *st, struct cJSON *doc, const struct OutboxRow *row,
                         int64_t group_wait_s, int64_t now_ms, int64_t *out_due_ms);

#endif
