/* snapshot — the immutable, reference-counted view of the world that
 * readers (the TUI, status lines, tests) use, the box it is published
 * in, and the source interface a reader takes snapshots through.
 *
 * ONE PUBLISHER: only the engine thread publishes (after each tick, and
 * between ticks when the database changed or a reader asked; in a viewer
 * process the same thread is the one watcher). It builds a Snapshot from
 * its own connection, then snapshot_box_publish() swaps it in under a
 * mutex, numbers it and writes one byte to the wake pipe. A reader calls
 * snapshot_box_acquire() (a new reference; release with snapshot_unref)
 * whenever the pipe is readable. Nothing in a published Snapshot
 * changes, so readers need no locks.
 *
 * VERSIONS: a Snapshot carries the change counter of the connection it
 * was built from (snapshot_store_version), read inside its read
 * transaction, never a clock. The publisher reads the counter before it
 * builds, so a commit that lands during a build makes the next look
 * differ and is published too; a reader replaces its snapshot only with
 * a newer one (snapshot_newer).
 *
 * Thread: build from the thread owning the Store; box and source
 * functions from any.
 */
#ifndef RESOPS_SNAPSHOT_H
#define RESOPS_SNAPSHOT_H

#include <stdint.h>
#include "model/alert.h"
#include "model/audit.h"
#include "model/incident.h"
#include "model/metrics.h"
#include "model/service.h"
#include "model/silence.h"

typedef struct Store Store;

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
    /* detail for the console (pointers into the Snapshot's arrays) */
    int64_t      *rdeps;       /* ids of services that depend on this one */
    int           nrdeps;
    const ProbeViewRow *probe; /* NULL = heartbeat service */
    int           integrations;
    const char   *integration_types;      /* "" when none */
    const DowntimeRow *downtimes;         /* oldest first, recent window */
    int           ndowntimes;
    int64_t       down_since;  /* start of the open downtime, 0 = none */
    double        uptime_pct;  /* over the last SNAPSHOT_UPTIME_DAYS */
    char         *runbook_url; /* issue 11: NULL = none */
    int           flapping;    /* issue 11: an open Flapping alert */
    /* issue 11: the root cause (domain/rootcause.h) this service is
     * blocked by, 0 none; and, for a root, how many services it blocks */
    int64_t       blocked_by;
    int           ndependents_blocked;
} SnapService;

/* A configured auto-resolution category (seed 001's category_config):
 * its own kill switch and whether its playbook does anything. A category
 * with no row uses the seed's defaults: enabled, steps that only record. */
typedef struct SnapCategory {
    char    name[24];
    int     enabled;              /* 0: stopped by its kill switch */
    int     acts;                 /* 1: a step acts (command, http, set_status,
                                     ack_alerts); 0: only no-op steps record */
    char    kill_actor[321], kill_reason[256];
    int64_t kill_at;
} SnapCategory;

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
    char         kill_actor[321];
    int64_t      kill_at;
    IncidentViewRow  *incidents;      /* newest first, capped */
    int               nincidents;
    IncidentAuditRow *incident_audit; /* seed 001 trail, newest first */
    int               nincident_audit;
    IncidentProgress *incident_progress; /* parallel to incidents: run, steps, queue */
    IncidentStepView *incident_steps;    /* newest run's steps of those incidents, by
                                            incident (same order) then step */
    int               nincident_steps;
    /* storage behind the SnapService detail pointers */
    DowntimeRow        *downtimes;
    int                 ndowntimes;
    ProbeViewRow       *probes;
    int                 nprobes;
    IntegrationViewRow *integ;
    int                 ninteg;
    int64_t            *rdep_ids;
    int                 partial;    /* alerts capped below what exists */
    SnapCategory       *categories; /* configured ones, by name */
    int                 ncategories;
    /* the data it shows: the building connection's change counter
     * (snapshot_store_version), read inside its read transaction; it
     * grows with every commit. Comparable between snapshots of one
     * publisher (one connection) only. */
    int64_t             version;
    /* its number in the box that published it; 0 = never published (a
     * reader's own, such as the console's first frame) */
    uint64_t            seq;
    /* the notification outbox (the status bar): queued = not delivered
     * yet, dead = given up; known = 0 when they could not be read */
    int                 outbox_known, outbox_queued, outbox_dead;
    /* issue 11 item 4: silences, newest first (those ended over a day
     * ago left out; state as of built_at, recompute with
     * silences_state_at), and which open alert each active one matches
     * (by alert id) */
    SilenceRow         *silences;
    int                 nsilences;
    AlertSilence       *alert_silences;
    int                 nalert_silences;
} Snapshot;

#define SNAPSHOT_MAX_ALERTS 10000
#define SNAPSHOT_MAX_BREACHES 1000
#define SNAPSHOT_MAX_AUDIT 1000
#define SNAPSHOT_MAX_INCIDENTS 500
#define SNAPSHOT_MAX_INCIDENT_AUDIT 200
#define SNAPSHOT_UPTIME_DAYS 7
#define SNAPSHOT_DOWNTIME_DAYS 30    /* window of SnapService.downtimes */

/* Build from the store; NULL on a read error (logged). refs = 1. */
Snapshot *snapshot_build(Store *st, int is_engine, int64_t tick_at);
/* The same with at most max_alerts alerts (the newest), so a first frame
 * need not wait for (and page in) the whole list: `partial` tells that
 * more exist. Counts (unacked) are always complete. */
Snapshot *snapshot_build_capped(Store *st, int is_engine, int64_t tick_at, int max_alerts);
Snapshot *snapshot_ref(Snapshot *s);
void      snapshot_unref(Snapshot *s);
const SnapService *snapshot_find_service(const Snapshot *s, int64_t id);
/* The configured category, or NULL (the seed's defaults apply). */
const SnapCategory *snapshot_find_category(const Snapshot *s, const char *name);
/* The change counter of st's connection: PRAGMA data_version (commits
 * by other connections) plus this connection's own changes. It grows
 * with every commit anyone makes; equal values mean nothing was
 * committed in between. -1 on a read error. Thread: st's owner. */
int64_t snapshot_store_version(Store *st);
/* 1 when a reader holding cur should take s instead: cur is NULL or its
 * own unpublished one (seq 0), or s shows newer data (version), or the
 * same data published again later (seq: a new role or tick). 0 for s ==
 * cur, s NULL, or anything older. */
int snapshot_newer(const Snapshot *s, const Snapshot *cur);
/* Whether category's playbook has a step that acts (the seed's default
 * steps for an unconfigured one do not): what `x` warns about (B7). */
int snapshot_category_acts(const Snapshot *s, const char *name);

typedef struct SnapshotBox SnapshotBox;
SnapshotBox *snapshot_box_new(void);          /* with a non-blocking pipe */
void         snapshot_box_free(SnapshotBox *b);
/* Takes ownership of the caller's reference; sets s->seq. The box's
 * one publisher (the engine thread) only. */
void         snapshot_box_publish(SnapshotBox *b, Snapshot *s);
Snapshot    *snapshot_box_acquire(SnapshotBox *b);   /* NULL before the first */
int          snapshot_box_fd(const SnapshotBox *b);  /* readable after publish */
void         snapshot_box_drain(SnapshotBox *b);     /* empty the pipe */
/* The number of the newest publish (Snapshot.seq); wait until one after
 * `after` is published or timeout_ms passes, and return the number. */
uint64_t     snapshot_box_seq(SnapshotBox *b);
uint64_t     snapshot_box_wait(SnapshotBox *b, uint64_t after, int timeout_ms);

/* ---- live system metrics ------------------------------------------------
 * The metrics collector (engine/sysmetrics.c) samples this machine every
 * few seconds, far more often than the engine ticks, so its history
 * travels beside the Snapshot in the same box: an immutable, refcounted
 * SnapMetrics, published with the same wake pipe. v[] is indexed by
 * MetricId (domain/metrics.h); the newest sample's per-core and per-mount
 * values and the thresholds ride along. */
#define SNAP_METRICS_HISTORY 240

typedef struct SnapMetrics {
    int     refs;                      /* atomic */
    int     interval_s;
    int     ncpu;
    double  mem_total_mb, disk_total_gb;  /* disk: the fullest mount */
    int     n;                         /* samples held, oldest first */
    int64_t at[SNAP_METRICS_HISTORY];
    double  v[MET_COUNT][SNAP_METRICS_HISTORY];
    /* the newest sample in detail */
    int         ncores;
    double      cores[METRICS_MAX_CORES];
    int         nmounts;
    MetricMount mounts[METRICS_MAX_MOUNTS];
    int         disk_mount;            /* the fullest, -1 none */
    /* thresholds as the database has them; firing = an open alert */
    int             have_thresholds;
    double          threshold[THRESH_COUNT];
    int             firing[THRESH_COUNT];
    ThresholdPolicy policy;
    int             recording;         /* 1: this process stores the samples */
} SnapMetrics;

SnapMetrics *snap_metrics_ref(SnapMetrics *m);
void         snap_metrics_unref(SnapMetrics *m);     /* frees at zero */
/* Takes ownership of the caller's reference; wakes readers. */
void         snapshot_box_publish_metrics(SnapshotBox *b, SnapMetrics *m);
SnapMetrics *snapshot_box_acquire_metrics(SnapshotBox *b); /* NULL before the first */

/* ---- the snapshot source ------------------------------------------------
 * How a reader (the console) gets snapshots, whatever publishes them:
 * today a local SnapshotBox and the engine thread of this process; a
 * remote server's snapshots could come through the same struct, and no
 * pane would change. ctx is passed to every function. */
typedef void (*SnapshotRequestFn)(void *ctx, int evaluate);

typedef struct SnapshotSource {
    void        *ctx;
    /* The newest snapshot / metrics history: a new reference, NULL
     * before the first. */
    Snapshot    *(*acquire)(void *ctx);
    SnapMetrics *(*acquire_metrics)(void *ctx);
    /* Readable when something new may be there; drain() empties it. */
    int          (*wake_fd)(void *ctx);
    void         (*drain)(void *ctx);
    /* Ask the publisher for a new snapshot soon, after a write of the
     * reader's own; evaluate = 1 also re-runs the evaluation (risk, SLA,
     * alerts: a status or kill-switch change), never probes. Never
     * blocks. */
    SnapshotRequestFn request;
} SnapshotSource;

/* The local source: readers take from b, and request() calls fn(ctx,
 * evaluate), the box's publisher (main.c passes the engine's; NULL = no
 * one to ask). Call before any reader uses the source. */
SnapshotSource snapshot_box_source(SnapshotBox *b, SnapshotRequestFn fn, void *ctx);

#endif
