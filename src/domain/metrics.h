/* metrics — the one write path for seed 004's system metrics: record a
 * sample and raise or clear threshold alerts in the same transaction,
 * keep the table bounded (minute averages, retention), and change the
 * global and per-user thresholds (validated, audited).
 *
 * What is stored (metric_sample.name):
 *  - the scalar set below (MetricId): one row each per sample;
 *  - "cpu0", "cpu1", ...: per-core CPU %; "disk:<mount>": % used per mount.
 * A value that could not be measured (NaN) is not stored.
 *
 * Retention: raw rows live raw_s (a day by default); every complete
 * minute is averaged into a resolution-60 row first, kept minute_s (a
 * month). The rollup remembers how far it got (config key
 * "metric_rollup_until"), so a restart loses nothing and never averages
 * twice; raw rows are never pruned before their minute is averaged.
 *
 * Alerts: the engine's collector holds a MetricsAlerter (the thresholds.h
 * state per threshold). A firing threshold writes a metric_alert row, an
 * outbox event (notify_event, source "metric": seed 004's webhook shape)
 * and an audit entry; clearing stamps cleared_at and sends "resolved".
 *
 * Thread: whoever owns the Store passed in (the collector thread, an HTTP
 * worker, the UI thread); the pure helpers: any.
 */
#ifndef RESOPS_DOMAIN_METRICS_H
#define RESOPS_DOMAIN_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "domain/thresholds.h"
#include "model/metrics.h"   /* MetricId, MetricMount */
#include "store/store.h"

/* "cpu", "memory", "swap", "load1", "load5", "load15", "disk",
 * "disk_read", "disk_write", "net_rx", "net_tx": the stored name and the
 * API's JSON field. */
const char *metric_name(MetricId id);
/* The metric a threshold watches (cpu, memory, swap, disk, load1). */
MetricId    metrics_watched(ThresholdId t);

typedef struct MetricSample {
    int64_t     ts;                          /* wall clock, epoch s */
    double      v[MET_COUNT];                /* NaN = not measured */
    int         ncores;
    double      cores[METRICS_MAX_CORES];    /* % busy per core */
    int         nmounts;
    MetricMount mounts[METRICS_MAX_MOUNTS];
    int         disk_mount;                  /* index of the fullest mount, -1 none */
} MetricSample;

/* All values NaN, no cores or mounts. */
void metrics_sample_init(MetricSample *s, int64_t ts);

typedef struct MetricsRetention {
    int64_t raw_s;       /* raw samples kept this long */
    int64_t minute_s;    /* minute averages kept this long; 0 = none kept */
} MetricsRetention;

typedef struct MetricsAlerter {
    ThresholdState state[THRESH_COUNT];
    int64_t        alert_id[THRESH_COUNT];   /* the open metric_alert row */
    double         threshold[THRESH_COUNT];  /* as read by the last ingest */
} MetricsAlerter;

/* Start from the database: a threshold with an uncleared alert is firing.
 * 0 or -EIO. */
int metrics_alerter_load(Store *st, MetricsAlerter *a);

/* Record one sample and step every threshold (global values read from the
 * config table), raising/clearing alerts, all in one transaction. On
 * failure the alerter is left as it was. Returns the number of alerts
 * raised or cleared, or -EIO. */
int metrics_ingest(Store *st, const MetricSample *s, MetricsAlerter *a,
                   const ThresholdPolicy *p);

/* Average every complete minute not yet averaged (up to now's minute),
 * then prune by the retention. Rows written + deleted, or -EIO. */
int metrics_maintain(Store *st, int64_t now, const MetricsRetention *r);

/* The global thresholds (config table; a missing or unreadable value is
 * the built-in default). 0 or -EIO. */
int metrics_thresholds(Store *st, double out[THRESH_COUNT]);

/* Set global thresholds: v[i] NaN leaves threshold i alone. All values
 * are validated first (-EINVAL, err names the key, nothing written);
 * then one transaction writes them and one audit entry "Threshold
 * Updated" (entity "Config", user_id, detail "cpu_threshold 80 -> 85 by
 * <actor>"). Returns the number changed, -EINVAL or -EIO. */
int metrics_set_thresholds(Store *st, const double v[THRESH_COUNT], int64_t user_id,
                           const char *actor, int64_t now, char *err, size_t errsz);
/* The TUI's `:threshold cpu 85`: one threshold by name (thresholds.h
 * names, aliases or keys); -EINVAL "Unknown threshold ..." too. */
int metrics_set_threshold(Store *st, const char *name, double v, int64_t user_id,
                          const char *actor, int64_t now, char *err, size_t errsz);

/* Seed 004 GET /thresholds: the user's cpu/memory thresholds, each the
 * user's own value or else the global one. *out_custom (may be NULL) = 1
 * when the user has set any. 0 or -EIO. */
int metrics_user_thresholds(Store *st, int64_t user_id, double *cpu, double *memory,
                            int *out_custom);
/* Seed 004 POST /thresholds (NaN = unchanged); validated like the global
 * ones; audited "User Threshold Updated" (entity "User"). 0, -EINVAL, -EIO. */
int metrics_set_user_thresholds(Store *st, int64_t user_id, double cpu, double memory,
                                const char *actor, int64_t now, char *err, size_t errsz);

/* Which thresholds have an uncleared alert (for a viewer's display).
 * 0 or -EIO. */
int metrics_open_alerts(Store *st, int firing[THRESH_COUNT]);

/* ---- pure helpers ----------------------------------------------------------- */

/* The alert text, e.g. "CPU usage 92.5% is over the 80% threshold (3
 * samples)" or, clear = 1, "CPU usage back to 61.0%, under 76% (3
 * samples)". mount (may be NULL) names the disk. */
void metrics_alert_message(ThresholdId t, double value, double threshold, const char *mount,
                           int clear, const ThresholdPolicy *p, char *out, size_t size);

/* A number in the C locale (the console runs with the user's locale):
 * 0 and *out, or -EINVAL for anything but a whole finite number. */
int metrics_parse_number(const char *s, double *out);

#endif
