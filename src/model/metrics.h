/* model/metrics — plain value types of seed 004's system metrics: which
 * metrics and thresholds exist, a mounted file system's use, and the
 * policy that decides when a threshold alert fires and clears.
 *
 * Types and constants only (the rules are domain/thresholds.h and
 * domain/metrics.h). Thread: any.
 */
#ifndef RESOPS_MODEL_METRICS_H
#define RESOPS_MODEL_METRICS_H

typedef enum {
    MET_CPU,         /* % busy, all CPUs */
    MET_MEMORY,      /* % used: MemTotal - MemAvailable */
    MET_SWAP,        /* % used */
    MET_LOAD1,       /* load averages */
    MET_LOAD5,
    MET_LOAD15,
    MET_DISK,        /* % used of the fullest mounted file system */
    MET_DISK_READ,   /* bytes/s read from whole disks */
    MET_DISK_WRITE,  /* bytes/s written */
    MET_NET_RX,      /* bytes/s received, every interface but lo */
    MET_NET_TX,      /* bytes/s sent */
    MET_COUNT
} MetricId;

#define METRICS_MAX_CORES  256
#define METRICS_MAX_MOUNTS 16

typedef struct MetricMount {
    char   path[128];
    double used_pct;
    double total_bytes;
} MetricMount;

typedef enum {
    THRESH_CPU,      /* % busy, all CPUs (seed 004) */
    THRESH_MEMORY,   /* % used (seed 004) */
    THRESH_SWAP,     /* % used */
    THRESH_DISK,     /* % used of the fullest mounted file system */
    THRESH_LOAD,     /* 1-minute load average (absolute) */
    THRESH_COUNT
} ThresholdId;

typedef struct ThresholdPolicy {
    int    fire_after;       /* consecutive samples over; < 1 counts as 1 */
    int    clear_after;      /* consecutive samples under the clear level */
    double hysteresis_pct;   /* clear level = threshold * (1 - pct / 100) */
} ThresholdPolicy;

#endif
