/* snapshot — the immutable, reference-counted view of the world that
 * readers (the TUI, status lines, tests) use, and the box the engine
 * publishes it in.
 *
 * The engine builds a Snapshot after each tick from its own connection,
 * then snapshot_box_publish() swaps it in under a mutex and writes one
 * byte to the wake pipe. A reader calls snapshot_box_acquire() (a new
 * reference; release with snapshot_unref) whenever the pipe is readable.
 * Nothing in a published Snapshot changes, so readers need no locks.
 *
 * Thread: build from the thread owning the Store; box functions from any.
 */
#ifndef RESOPS_SNAPSHOT_H
#define RESOPS_SNAPSHOT_H

#include <stdint.h>
#include "store/db.h"
#include "store/alert_repo.h"
#include "store/audit_repo.h"
#include "store/sla_repo.h"
#include "domain/rules.h"

typedef struct SnapService {
    int64_t       id;
    char         *name, *description;
    ServiceStatus status;
    int           has_status;
    int           has_bia;
    char         *criticality, *impact;
    int           has_rto, rto, has_rpo, rpo;
    int           risk_score;
    RiskLevel     risk_level;
    int           is_critical, has_risk;
    char         *risk_reason;
    int64_t       last_updated;
    int           has_probe;
    int64_t      *deps;        /* ids this service depends on */
    int           ndeps;
} SnapService;

typedef struct Snapshot {
    int          refs;          /* atomic */
    int64_t      built_at;      /* wall clock */
    int64_t      tick_at;       /* last engine tick (0 = none yet) */
    int          is_engine;     /* 1 engine, 0 viewer */
    SnapService *services;      /* sorted by id */
    int          nservices;
    AlertRow    *alerts;        /* newest first, capped */
    int          nalerts;
    int          unacked[SEV_COUNT]; /* open alerts by severity */
    SlaRow      *breaches;      /* newest first, capped */
    int          nbreaches;
    AuditRow    *audit;         /* newest first, capped */
    int          naudit;
    int          kill_switch;   /* 1 when auto-resolution is disabled */
    char         kill_reason[256];
    int          status_counts[STATUS_COUNT];
} Snapshot;

#define SNAPSHOT_MAX_ALERTS 10000
#define SNAPSHOT_MAX_BREACHES 1000
#define SNAPSHOT_MAX_AUDIT 1000

/* Build from the store; NULL on a read error (logged). refs = 1. */
Snapshot *snapshot_build(Store *st, int is_engine, int64_t tick_at);
Snapshot *snapshot_ref(Snapshot *s);
void      snapshot_unref(Snapshot *s);
const SnapService *snapshot_find_service(const Snapshot *s, int64_t id);

typedef struct SnapshotBox SnapshotBox;
SnapshotBox *snapshot_box_new(void);          /* with a non-blocking pipe */
void         snapshot_box_free(SnapshotBox *b);
/* Takes ownership of the caller's reference. */
void         snapshot_box_publish(SnapshotBox *b, Snapshot *s);
Snapshot    *snapshot_box_acquire(SnapshotBox *b);   /* NULL before the first */
int          snapshot_box_fd(const SnapshotBox *b);  /* readable after publish */
void         snapshot_box_drain(SnapshotBox *b);     /* empty the pipe */
/* Wait until a snapshot newer than `after` (built_at ordering by sequence)
 * is published or timeout_ms passes; returns the publish sequence number. */
uint64_t     snapshot_box_seq(SnapshotBox *b);
uint64_t     snapshot_box_wait(SnapshotBox *b, uint64_t after, int timeout_ms);

#endif
