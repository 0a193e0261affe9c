/* test_rules — the pure rules of seed 000, one table row per rule.
 *
 * Every row names the rule it checks: seed 000 §3.2 ("Risk Score
 * Calculation") and shared/seed-notes.md, section "Seed 000". main() turns
 * each row into its own cmocka test case carrying that name, so a failure
 * reads as the rule that broke, not as "row 17".
 *
 * The tables only hold inputs and expected outputs; the few check_*()
 * functions below are the only code that calls into rules.c.
 */
#include "domain/rules.h"

#include <errno.h>
#include <setjmp.h> /* cmocka.h needs these four first */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define N(t) (sizeof(t) / sizeof((t)[0]))

/* Reason texts, exactly as seed-notes "Seed 000" spells them. */
#define R_DOWN     "Service is currently down"
#define R_RECENT   "Frequent or prolonged downtimes in the last 7 days"
#define R_CRIT_HI  "High criticality in BIA"
#define R_CRIT_MED "Medium criticality in BIA"
#define R_IMPACT   "High impact in BIA: "
#define R_RTO      "RTO < 1 hour"
#define R_RPO      "RPO < 1 hour"
#define R_DEPS     "Dependencies down: "
#define R_INT      "High number of integrations"
#define R_INT_VH   "Very high integration complexity"
#define R_CRITICAL "Service marked as CRITICAL based on business rules"
#define R_NONE     "No risks identified"
#define SEP        ", "

static const char *const deps_a[] = {"a"};
static const char *const deps_ab[] = {"a", "b"};

/* ---- risk_score --------------------------------------------------------- */

typedef struct RiskRow {
    const char *rule;
    RiskInput   in;
    int         score;
    RiskLevel   level;
    int         critical;
    const char *reason;
} RiskRow;

#define BIA .has_bia = 1
#define DOWN .status = STATUS_DOWN
#define RTO(m) .has_rto = 1, .rto = (m)
#define RPO(m) .has_rpo = 1, .rpo = (m)
#define DEPS(d) .deps_down = (d), .n_deps_down = (int)N(d)

/* Each scoring rule of §3.2 alone, with its edge. */
static const RiskRow risk_rule_rows[] = {
    {"§3.2 base score 0: nothing fires -> \"No risks identified\"",
     {BIA}, 0, RISK_LOW, 0, R_NONE},
    {"§3.2 status Down: +40 \"" R_DOWN "\"",
     {BIA, DOWN}, 40, RISK_LOW, 0, R_DOWN},
    {"§3.2 status Degraded: only Down scores",
     {BIA, .status = STATUS_DEGRADED}, 0, RISK_LOW, 0, R_NONE},
    {"§3.2 status Unknown: only Down scores",
     {BIA, .status = STATUS_UNKNOWN}, 0, RISK_LOW, 0, R_NONE},
    {"§3.2 recent downtime 121 min > 120: +20",
     {BIA, .recent_downtime_min = 121}, 20, RISK_LOW, 0, R_RECENT},
    {"§3.2 recent downtime exactly 120 min: not > 120, nothing",
     {BIA, .recent_downtime_min = 120}, 0, RISK_LOW, 0, R_NONE},
    {"§3.2 criticality High: +15 (and is_critical)",
     {BIA, .criticality = "High"}, 15, RISK_LOW, 1, R_CRIT_HI SEP R_CRITICAL},
    {"§3.2 criticality \"high\" matches case-insensitively",
     {BIA, .criticality = "high"}, 15, RISK_LOW, 1, R_CRIT_HI SEP R_CRITICAL},
    {"§3.2 criticality \"HIGH\" matches case-insensitively",
     {BIA, .criticality = "HIGH"}, 15, RISK_LOW, 1, R_CRIT_HI SEP R_CRITICAL},
    {"§3.2 criticality Medium: +10",
     {BIA, .criticality = "Medium"}, 10, RISK_LOW, 0, R_CRIT_MED},
    {"§3.2 criticality \"medium\" matches case-insensitively",
     {BIA, .criticality = "medium"}, 10, RISK_LOW, 0, R_CRIT_MED},
    {"§3.2 criticality Low: nothing",
     {BIA, .criticality = "Low"}, 0, RISK_LOW, 0, R_NONE},
    {"§3.2 impact High: +10, reason quotes the impact (and is_critical)",
     {BIA, .impact = "High"}, 10, RISK_LOW, 1, R_IMPACT "High" SEP R_CRITICAL},
    {"§3.2 impact Severe: +10, reason quotes the impact (and is_critical)",
     {BIA, .impact = "Severe"}, 10, RISK_LOW, 1, R_IMPACT "Severe" SEP R_CRITICAL},
    {"§3.2 impact \"severe\": +10, reason quotes it as given",
     {BIA, .impact = "severe"}, 10, RISK_LOW, 1, R_IMPACT "severe" SEP R_CRITICAL},
    {"§3.2 impact Medium: nothing",
     {BIA, .impact = "Medium"}, 0, RISK_LOW, 0, R_NONE},
    {"§3.2 RTO 59 < 60: +10",
     {BIA, RTO(59)}, 10, RISK_LOW, 0, R_RTO},
    {"§3.2 RTO exactly 60: not < 60, nothing",
     {BIA, RTO(60)}, 0, RISK_LOW, 0, R_NONE},
    {"§3.2 RTO unset: nothing",
     {BIA, .has_rto = 0, .rto = 0}, 0, RISK_LOW, 0, R_NONE},
    {"§3.2 RPO 59 < 60: +5",
     {BIA, RPO(59)}, 5, RISK_LOW, 0, R_RPO},
    {"§3.2 RPO exactly 60: not < 60, nothing",
     {BIA, RPO(60)}, 0, RISK_LOW, 0, R_NONE},
    {"§3.2 RPO unset: nothing",
     {BIA, .has_rpo = 0, .rpo = 0}, 0, RISK_LOW, 0, R_NONE},
    {"§3.2 one dependency down: +20 \"Dependencies down: a\" (and is_critical)",
     {BIA, DEPS(deps_a)}, 20, RISK_LOW, 1, R_DEPS "a" SEP R_CRITICAL},
    {"§3.2 two dependencies down: +20 once, names joined with \", \"",
     {BIA, DEPS(deps_ab)}, 20, RISK_LOW, 1, R_DEPS "a, b" SEP R_CRITICAL},
    {"§3.2 integrations 3: not > 3, nothing",
     {BIA, .integrations = 3}, 0, RISK_LOW, 0, R_NONE},
    {"§3.2 integrations 4 > 3: +10",
     {BIA, .integrations = 4}, 10, RISK_LOW, 0, R_INT},
    {"§3.2 integrations 5: +10 only, not > 5",
     {BIA, .integrations = 5}, 10, RISK_LOW, 0, R_INT},
    {"§3.2 integrations 6 > 5: a further +5, 15 in all (and is_critical)",
     {BIA, .integrations = 6}, 15, RISK_LOW, 1, R_INT SEP R_INT_VH SEP R_CRITICAL},
};

/* Combinations: order, joining, cap, levels from real inputs, no BIA. */
static const RiskRow risk_combo_rows[] = {
    {"seed-notes: reasons follow rule order, joined with \", \" (75, the most "
     "a non-critical service can score)",
     {BIA, DOWN, .criticality = "Medium", RTO(45), RPO(45), .integrations = 4},
     75, RISK_MEDIUM, 0, R_DOWN SEP R_CRIT_MED SEP R_RTO SEP R_RPO SEP R_INT},
    {"§3.2 level: Down 40 + RPO 5 = 45 is Low (< 50)",
     {BIA, DOWN, RPO(10)}, 45, RISK_LOW, 0, R_DOWN SEP R_RPO},
    {"§3.2 level: Down 40 + Medium 10 = 50 is Medium (>= 50)",
     {BIA, DOWN, .criticality = "Medium"}, 50, RISK_MEDIUM, 0, R_DOWN SEP R_CRIT_MED},
    {"§3.2 level: Down 40 + recent 20 + High 15 + RPO 5 = 80 is High (>= 80)",
     {BIA, DOWN, .recent_downtime_min = 121, .criticality = "High", RPO(10)},
     80, RISK_HIGH, 1,
     R_DOWN SEP R_RECENT SEP R_CRIT_HI SEP R_RPO SEP R_CRITICAL},
    {"§3.2 cap: every rule, 40+20+15+10+10+5+20+15 = 135 -> 100",
     {BIA, DOWN, .recent_downtime_min = 121, .criticality = "High",
      .impact = "Severe", RTO(10), RPO(10), DEPS(deps_ab), .integrations = 6},
     100, RISK_HIGH, 1,
     R_DOWN SEP R_RECENT SEP R_CRIT_HI SEP R_IMPACT "Severe" SEP R_RTO SEP
     R_RPO SEP R_DEPS "a, b" SEP R_INT SEP R_INT_VH SEP R_CRITICAL},
    {"seed-notes bug fix: no BIA -> BIA fields ignored even if filled, no crash",
     {.has_bia = 0, .criticality = "High", .impact = "Severe", RTO(10), RPO(10)},
     0, RISK_LOW, 0, R_NONE},
    {"seed-notes bug fix: no BIA still scores the non-BIA rules",
     {.has_bia = 0, DOWN, .criticality = "High", .integrations = 6},
     55, RISK_MEDIUM, 1, R_DOWN SEP R_INT SEP R_INT_VH SEP R_CRITICAL},
    {"§3.2 BIA with NULL criticality and impact: nothing, no crash",
     {BIA, .criticality = NULL, .impact = NULL}, 0, RISK_LOW, 0, R_NONE},
};

/* is_critical: each condition of §3.2 alone, and the near misses. */
static const RiskRow risk_critical_rows[] = {
    {"§3.2 is_critical: none of the conditions -> false",
     {BIA, .criticality = "Medium", .impact = "Low", RTO(120), RPO(120),
      .integrations = 2},
     10, RISK_LOW, 0, R_CRIT_MED},
    {"§3.2 is_critical: criticality High",
     {BIA, .criticality = "High"}, 15, RISK_LOW, 1, R_CRIT_HI SEP R_CRITICAL},
    {"§3.2 is_critical: impact High",
     {BIA, .impact = "High"}, 10, RISK_LOW, 1, R_IMPACT "High" SEP R_CRITICAL},
    {"§3.2 is_critical: impact Severe",
     {BIA, .impact = "Severe"}, 10, RISK_LOW, 1, R_IMPACT "Severe" SEP R_CRITICAL},
    {"§3.2 is_critical: RTO 29 < 30 (also +10 \"RTO < 1 hour\")",
     {BIA, RTO(29)}, 10, RISK_LOW, 1, R_RTO SEP R_CRITICAL},
    {"§3.2 is_critical: RTO exactly 30 is not < 30",
     {BIA, RTO(30)}, 10, RISK_LOW, 0, R_RTO},
    /* No input reaches 80 without also tripping another condition (the
     * non-critical maximum is 75, see risk_combo_rows), so "score >= 80"
     * is checked at its edge: 80 is critical here, 75 above is not. */
    {"§3.2 is_critical: score >= 80",
     {BIA, DOWN, .recent_downtime_min = 121, .criticality = "High", RPO(10)},
     80, RISK_HIGH, 1,
     R_DOWN SEP R_RECENT SEP R_CRIT_HI SEP R_RPO SEP R_CRITICAL},
    {"§3.2 is_critical: Down with > 120 min recent downtime",
     {BIA, DOWN, .recent_downtime_min = 121}, 60, RISK_MEDIUM, 1,
     R_DOWN SEP R_RECENT SEP R_CRITICAL},
    {"§3.2 is_critical: Down with exactly 120 min is not > 120",
     {BIA, DOWN, .recent_downtime_min = 120}, 40, RISK_LOW, 0, R_DOWN},
    {"§3.2 is_critical: > 120 min recent downtime while Up is not enough",
     {BIA, .recent_downtime_min = 500}, 20, RISK_LOW, 0, R_RECENT},
    {"§3.2 is_critical: Down alone is not enough",
     {BIA, DOWN}, 40, RISK_LOW, 0, R_DOWN},
    {"§3.2 is_critical: any dependency down",
     {BIA, DEPS(deps_a)}, 20, RISK_LOW, 1, R_DEPS "a" SEP R_CRITICAL},
    {"§3.2 is_critical: > 5 integrations",
     {BIA, .integrations = 6}, 15, RISK_LOW, 1, R_INT SEP R_INT_VH SEP R_CRITICAL},
    {"§3.2 is_critical: exactly 5 integrations is not > 5",
     {BIA, .integrations = 5}, 10, RISK_LOW, 0, R_INT},
};

static void check_risk(void **state)
{
    const RiskRow *row = *state;
    RiskResult out;

    memset(&out, 0xA5, sizeof out); /* risk_score must write every field */
    risk_score(&row->in, &out);
    assert_int_equal(out.score, row->score);
    assert_int_equal(out.level, row->level);
    assert_int_equal(!!out.is_critical, row->critical);
    assert_string_equal(out.reason, row->reason);
}

/* rules.h: "truncated with '...' if huge" — a reason that cannot fit is cut
 * inside the buffer and ends in "...", while score and flags stay exact. */
static void check_risk_reason_truncated(void **state)
{
    (void)state;
    static char names[40][31];
    const char *deps[40];

    for (size_t i = 0; i < N(names); i++) {
        memset(names[i], 'a' + (int)(i % 26), sizeof names[i] - 1);
        names[i][sizeof names[i] - 1] = '\0';
        deps[i] = names[i];
    }

    RiskInput in = {BIA, DOWN, .recent_downtime_min = 121, .criticality = "High",
                    .impact = "Severe", RTO(10), RPO(10), .deps_down = deps,
                    .n_deps_down = (int)N(deps), .integrations = 6};
    RiskResult out;
    risk_score(&in, &out);
    size_t len = strlen(out.reason);
    assert_true(len < sizeof out.reason);
    assert_true(len >= 3);
    assert_string_equal(out.reason + len - 3, "...");
    assert_int_equal(strncmp(out.reason, R_DOWN SEP R_RECENT SEP,
                             strlen(R_DOWN SEP R_RECENT SEP)), 0);
    assert_int_equal(out.score, 100);
    assert_int_equal(out.level, RISK_HIGH);
    assert_true(out.is_critical);
}

/* ---- risk level ---------------------------------------------------------- */

typedef struct LevelRow {
    const char *rule;
    int         score;
    RiskLevel   level;
} LevelRow;

static const LevelRow level_rows[] = {
    {"§3.2 risk_level_of: 0 is Low", 0, RISK_LOW},
    {"§3.2 risk_level_of: 49 is Low (< 50)", 49, RISK_LOW},
    {"§3.2 risk_level_of: 50 is Medium (>= 50)", 50, RISK_MEDIUM},
    {"§3.2 risk_level_of: 79 is Medium (< 80)", 79, RISK_MEDIUM},
    {"§3.2 risk_level_of: 80 is High (>= 80)", 80, RISK_HIGH},
    {"§3.2 risk_level_of: 100 is High", 100, RISK_HIGH},
};

static void check_level(void **state)
{
    const LevelRow *row = *state;
    assert_int_equal(risk_level_of(row->score), row->level);
}

/* ---- status from probes ------------------------------------------------- */

typedef struct ProbeStep {
    int           live; /* 0 ends the sequence */
    int           ok, latency_ms;
    ServiceStatus want;
} ProbeStep;

typedef struct ProbeRow {
    const char        *rule;
    const StatusRules *rules; /* NULL: status_rules_default */
    ProbeStep          steps[12];
} ProbeRow;

#define OK(ms, w) {1, 1, (ms), STATUS_##w}
#define FAIL(w)   {1, 0, 0, STATUS_##w}

static const StatusRules window1 = {
    .down_after = 2, .degraded_window = 1, .slow_ms = 100,
    .heartbeat_degraded_s = 300, .heartbeat_down_s = 600,
};

/* Defaults: down_after 3, degraded_window 5, slow_ms 2000. */
static const ProbeRow probe_rows[] = {
    {"probe: successes stay Up", NULL,
     {OK(10, UP), OK(10, UP), OK(10, UP), OK(10, UP)}},
    {"probe: one failure -> Degraded", NULL,
     {OK(10, UP), FAIL(DEGRADED)}},
    {"probe: down_after (3) consecutive failures -> Down", NULL,
     {FAIL(DEGRADED), FAIL(DEGRADED), FAIL(DOWN), FAIL(DOWN)}},
    {"probe: failures broken by successes never reach Down", NULL,
     {FAIL(DEGRADED), OK(10, DEGRADED), FAIL(DEGRADED), OK(10, DEGRADED),
      FAIL(DEGRADED)}},
    {"probe: success after Down is Degraded while a failure is in the window, "
     "Up after degraded_window (5) successes", NULL,
     {FAIL(DEGRADED), FAIL(DEGRADED), FAIL(DOWN), OK(10, DEGRADED),
      OK(10, DEGRADED), OK(10, DEGRADED), OK(10, DEGRADED), OK(10, UP)}},
    {"probe: success slower than slow_ms (2000) -> Degraded; exactly 2000 is Up",
     NULL, {OK(2000, UP), OK(2001, DEGRADED), OK(10, UP)}},
    {"probe: degraded_window 1 forgets a failure after one success", &window1,
     {FAIL(DEGRADED), OK(10, UP), FAIL(DEGRADED), FAIL(DOWN), OK(10, UP),
      OK(101, DEGRADED)}},
};

static void check_probe(void **state)
{
    const ProbeRow *row = *state;
    const StatusRules *r = row->rules ? row->rules : &status_rules_default;
    int streak = 0;
    uint64_t recent = 0;

    for (size_t i = 0; i < N(row->steps) && row->steps[i].live; i++) {
        const ProbeStep *s = &row->steps[i];
        ServiceStatus got = status_from_probe(&streak, &recent, s->ok, s->latency_ms, r);
        if (got != s->want)
            fail_msg("step %zu (%s, %d ms): got %s, want %s", i + 1,
                     s->ok ? "ok" : "fail", s->latency_ms, status_name(got),
                     status_name(s->want));
    }
}

/* ---- status from heartbeat ---------------------------------------------- */

typedef struct HeartbeatRow {
    const char   *rule;
    int           has_report;
    ServiceStatus reported;
    int64_t       age_s;
    ServiceStatus want;
} HeartbeatRow;

static const HeartbeatRow heartbeat_rows[] = {
    {"heartbeat: no status row -> Unknown", 0, STATUS_UP, 0, STATUS_UNKNOWN},
    {"heartbeat: no status row, however old -> Unknown", 0, STATUS_DOWN, 100000,
     STATUS_UNKNOWN},
    {"heartbeat: reported Up, 299 s old -> Up", 1, STATUS_UP, 299, STATUS_UP},
    {"heartbeat: reported Up, 300 s is not more than 5 min -> Up", 1, STATUS_UP,
     300, STATUS_UP},
    {"heartbeat: reported Up, 301 s > 5 min -> Degraded", 1, STATUS_UP, 301,
     STATUS_DEGRADED},
    {"heartbeat: reported Up, 600 s is not more than 10 min -> Degraded", 1,
     STATUS_UP, 600, STATUS_DEGRADED},
    {"heartbeat: reported Up, 601 s > 10 min -> Down", 1, STATUS_UP, 601,
     STATUS_DOWN},
    {"heartbeat: reported Down, fresh -> stays Down", 1, STATUS_DOWN, 0,
     STATUS_DOWN},
    {"heartbeat: reported Down, 299 s -> Down", 1, STATUS_DOWN, 299, STATUS_DOWN},
    {"heartbeat: reported Down, 300 s -> Down", 1, STATUS_DOWN, 300, STATUS_DOWN},
    {"heartbeat: reported Down, 301 s -> worse of Down and Degraded is Down", 1,
     STATUS_DOWN, 301, STATUS_DOWN},
    {"heartbeat: reported Down, 600 s -> Down", 1, STATUS_DOWN, 600, STATUS_DOWN},
    {"heartbeat: reported Down, 601 s -> Down", 1, STATUS_DOWN, 601, STATUS_DOWN},
    {"heartbeat: reported Degraded, fresh -> Degraded", 1, STATUS_DEGRADED, 0,
     STATUS_DEGRADED},
    {"heartbeat: reported Unknown, 301 s -> worse of it and Degraded", 1,
     STATUS_UNKNOWN, 301, STATUS_DEGRADED},
};

static void check_heartbeat(void **state)
{
    const HeartbeatRow *row = *state;
    ServiceStatus got = status_from_heartbeat(row->has_report, row->reported,
                                              row->age_s, &status_rules_default);
    assert_string_equal(status_name(got), status_name(row->want));
}

/* ---- SLA ------------------------------------------------------------------ */

#define T0 ((int64_t)1700000000)

typedef struct MinutesRow {
    const char *rule;
    int64_t     start, end, now; /* end 0: still open */
    int64_t     minutes;
} MinutesRow;

static const MinutesRow minutes_rows[] = {
    {"SLA duration: 7199 s truncates to 119 min", T0, T0 + 7199, T0 + 99999, 119},
    {"SLA duration: 7200 s is 120 min", T0, T0 + 7200, T0 + 99999, 120},
    {"SLA duration: 59 s truncates to 0 min", T0, T0 + 59, T0 + 99999, 0},
    {"SLA duration: an open downtime runs to now", T0, 0, T0 + 3 * 3600 + 30, 180},
    {"SLA duration: an end before the start is 0, never negative", T0, T0 - 600,
     T0, 0},
};

static void check_minutes(void **state)
{
    const MinutesRow *row = *state;
    assert_int_equal(sla_downtime_minutes(row->start, row->end, row->now), row->minutes);
}

typedef struct BreachRow {
    const char *rule;
    int64_t     minutes;
    int         has_threshold, threshold;
    int         breached;
} BreachRow;

static const BreachRow breach_rows[] = {
    {"SLA breach: 119 min under RTO 120 -> no", 119, 1, 120, 0},
    {"SLA breach: exactly at RTO 120 -> no (duration > rto)", 120, 1, 120, 0},
    {"SLA breach: one minute over RTO 120 -> yes", 121, 1, 120, 1},
    {"SLA breach: RPO 30, 31 min -> yes", 31, 1, 30, 1},
    {"SLA breach: no threshold -> never", 100000, 0, 0, 0},
};

static void check_breach(void **state)
{
    const BreachRow *row = *state;
    assert_int_equal(!!sla_breached(row->minutes, row->has_threshold, row->threshold),
                     row->breached);
}

/* ---- names and parsing ---------------------------------------------------- */

typedef enum { K_STATUS, K_SEVERITY, K_LEVEL } NameKind;

typedef struct NameRow {
    const char *rule;
    NameKind    kind;
    const char *text;  /* parsed; NULL is passed as NULL */
    int         rc;    /* 0 or -EINVAL */
    int         value; /* when rc == 0 */
    const char *name;  /* the canonical name of value, when rc == 0 */
} NameRow;

static const NameRow name_rows[] = {
    {"status: \"Up\" round-trips", K_STATUS, "Up", 0, STATUS_UP, "Up"},
    {"status: \"Down\" round-trips", K_STATUS, "Down", 0, STATUS_DOWN, "Down"},
    {"status: \"Degraded\" round-trips", K_STATUS, "Degraded", 0, STATUS_DEGRADED, "Degraded"},
    {"status: \"Unknown\" round-trips", K_STATUS, "Unknown", 0, STATUS_UNKNOWN, "Unknown"},
    {"status: \"down\" parses case-insensitively", K_STATUS, "down", 0, STATUS_DOWN, "Down"},
    {"status: \"DEGRADED\" parses case-insensitively", K_STATUS, "DEGRADED", 0,
     STATUS_DEGRADED, "Degraded"},
    {"status: \"Broken\" is rejected", K_STATUS, "Broken", -EINVAL, 0, NULL},
    {"status: \"\" is rejected", K_STATUS, "", -EINVAL, 0, NULL},
    {"status: NULL is rejected", K_STATUS, NULL, -EINVAL, 0, NULL},
    {"severity: \"Info\" round-trips", K_SEVERITY, "Info", 0, SEV_INFO, "Info"},
    {"severity: \"Warning\" round-trips", K_SEVERITY, "Warning", 0, SEV_WARNING, "Warning"},
    {"severity: \"Critical\" round-trips", K_SEVERITY, "Critical", 0, SEV_CRITICAL, "Critical"},
    {"severity: \"critical\" parses case-insensitively", K_SEVERITY, "critical", 0,
     SEV_CRITICAL, "Critical"},
    {"severity: \"Fatal\" is rejected", K_SEVERITY, "Fatal", -EINVAL, 0, NULL},
    {"severity: NULL is rejected", K_SEVERITY, NULL, -EINVAL, 0, NULL},
    {"risk level: \"Low\" round-trips", K_LEVEL, "Low", 0, RISK_LOW, "Low"},
    {"risk level: \"Medium\" round-trips", K_LEVEL, "Medium", 0, RISK_MEDIUM, "Medium"},
    {"risk level: \"High\" round-trips", K_LEVEL, "High", 0, RISK_HIGH, "High"},
    {"risk level: exact case, \"low\" is rejected", K_LEVEL, "low", -EINVAL, 0, NULL},
    {"risk level: exact case, \"HIGH\" is rejected", K_LEVEL, "HIGH", -EINVAL, 0, NULL},
    {"risk level: \"Unknown\" is rejected", K_LEVEL, "Unknown", -EINVAL, 0, NULL},
    {"risk level: NULL is rejected", K_LEVEL, NULL, -EINVAL, 0, NULL},
};

static void check_name(void **state)
{
    const NameRow *row = *state;
    const int sentinel = 77; /* out-parameters are written only on success */
    int rc, got = sentinel;
    const char *name = NULL;

    switch (row->kind) {
    case K_STATUS: {
        ServiceStatus v = (ServiceStatus)sentinel;
        rc = status_parse(row->text, &v);
        got = (int)v;
        if (rc == 0)
            name = status_name(v);
        break;
    }
    case K_SEVERITY: {
        AlertSeverity v = (AlertSeverity)sentinel;
        rc = severity_parse(row->text, &v);
        got = (int)v;
        if (rc == 0)
            name = severity_name(v);
        break;
    }
    default: {
        RiskLevel v = (RiskLevel)sentinel;
        rc = risk_level_parse(row->text, &v);
        got = (int)v;
        if (rc == 0)
            name = risk_level_name(v);
        break;
    }
    }
    assert_int_equal(rc, row->rc);
    if (row->rc == 0) {
        assert_int_equal(got, row->value);
        assert_string_equal(name, row->name);
    } else {
        assert_int_equal(got, sentinel);
    }
}

/* Out-of-range values still name something, never index past the table. */
static void check_name_out_of_range(void **state)
{
    (void)state;
    assert_string_equal(status_name((ServiceStatus)STATUS_COUNT), "Unknown");
    assert_string_equal(status_name((ServiceStatus)-1), "Unknown");
    assert_string_equal(severity_name((AlertSeverity)SEV_COUNT), "Info");
}

typedef struct SeverityRow {
    const char   *rule;
    ServiceStatus status;
    AlertSeverity severity;
} SeverityRow;

static const SeverityRow severity_rows[] = {
    {"seed-notes StatusChange alert: Down -> Critical", STATUS_DOWN, SEV_CRITICAL},
    {"seed-notes StatusChange alert: Degraded -> Warning", STATUS_DEGRADED, SEV_WARNING},
    {"seed-notes StatusChange alert: Unknown -> Warning", STATUS_UNKNOWN, SEV_WARNING},
    {"seed-notes StatusChange alert: Up -> Info", STATUS_UP, SEV_INFO},
};

static void check_severity(void **state)
{
    const SeverityRow *row = *state;
    assert_string_equal(severity_name(status_alert_severity(row->status)),
                        severity_name(row->severity));
}

/* ---- registration --------------------------------------------------------- */

static struct CMUnitTest tests[N(risk_rule_rows) + N(risk_combo_rows) +
                               N(risk_critical_rows) + 1 + N(level_rows) +
                               N(probe_rows) + N(heartbeat_rows) +
                               N(minutes_rows) + N(breach_rows) + N(name_rows) +
                               1 + N(severity_rows)];
static size_t n_tests;

static void add(const char *name, CMUnitTestFunction fn, const void *row)
{
    tests[n_tests++] = (struct CMUnitTest){
        .name = name,
        .test_func = fn,
        .initial_state = (void *)(uintptr_t)row, /* read-only in every check */
    };
}

/* Every row type starts with `const char *rule`, the test case's name. */
static void add_rows(const void *table, size_t n, size_t size, CMUnitTestFunction fn)
{
    for (size_t i = 0; i < n; i++) {
        const void *row = (const char *)table + i * size;
        add(*(const char *const *)row, fn, row);
    }
}

int main(void)
{
    add_rows(risk_rule_rows, N(risk_rule_rows), sizeof risk_rule_rows[0], check_risk);
    add_rows(risk_combo_rows, N(risk_combo_rows), sizeof risk_combo_rows[0], check_risk);
    add_rows(risk_critical_rows, N(risk_critical_rows), sizeof risk_critical_rows[0], check_risk);
    add("rules.h: a huge reason is cut and ends in \"...\"",
        check_risk_reason_truncated, NULL);
    add_rows(level_rows, N(level_rows), sizeof level_rows[0], check_level);
    add_rows(probe_rows, N(probe_rows), sizeof probe_rows[0], check_probe);
    add_rows(heartbeat_rows, N(heartbeat_rows), sizeof heartbeat_rows[0], check_heartbeat);
    add_rows(minutes_rows, N(minutes_rows), sizeof minutes_rows[0], check_minutes);
    add_rows(breach_rows, N(breach_rows), sizeof breach_rows[0], check_breach);
    add_rows(name_rows, N(name_rows), sizeof name_rows[0], check_name);
    add("names: out-of-range values name a safe default", check_name_out_of_range, NULL);
    add_rows(severity_rows, N(severity_rows), sizeof severity_rows[0], check_severity);
    if (n_tests != N(tests)) {
        fprintf(stderr, "test_rules: registered %zu of %zu cases\n", n_tests, N(tests));
        return 1;
    }
    return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
