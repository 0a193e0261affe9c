/* silences — see silences.h.
 *
 * How it works: a silence row holds its matchers and its window rule; its
 * state is never stored but computed at a time (silences_state_at), so a
 * window opens and closes by the clock alone (util_now, which tests move
 * with RESOPS_CLOCK_OFFSET_FILE). A recurring rule is parsed and expanded
 * by libical; local times convert to UTC through libical's zone data, so
 * DST is libical's business. libical keeps global error state, so every
 * call into it holds ical_mu.
 *
 * Fan-out asks silences_hold() about each event; the kept-back rows wait
 * in silence_suppressed until silences_tick() (the engine's evaluation,
 * and every silence write) finds no active silence covering their alert.
 */
#include "domain/silences.h"
#include "domain/decision.h"
#include "domain/notify.h"
#include "domain/rules.h"
#include "store/alert_repo.h"
#include "store/audit_repo.h"
#include "store/service_repo.h"
#include "store/silence_repo.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <libical/ical.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define OCC_GUARD 100000    /* occurrences looked at, at most, per question */
#define HELD_BATCH 256

static atomic_int max_minutes = SILENCE_MAX_MINUTES_DEFAULT;

void silences_set_max_minutes(int minutes)
{
    atomic_store(&max_minutes, minutes > 0 ? minutes : SILENCE_MAX_MINUTES_DEFAULT);
}

int silences_max_minutes(void) { return atomic_load(&max_minutes); }

static const char *const state_names[SILENCE_STATE_COUNT] = {"pending", "active", "expired"};

const char *silences_state_name(SilenceState s)
{
    return (unsigned)s < SILENCE_STATE_COUNT ? state_names[s] : "?";
}

int silences_state_parse(const char *s, SilenceState *out)
{
    for (int i = 0; s && i < SILENCE_STATE_COUNT; i++)
        if (strcmp(s, state_names[i]) == 0) {
            *out = (SilenceState)i;
            return 0;
        }
    return -EINVAL;
}

/* ---- libical, under one lock ------------------------------------------- */

static pthread_mutex_t ical_mu = PTHREAD_MUTEX_INITIALIZER;

static void ical_enter(void)
{
    pthread_mutex_lock(&ical_mu);
    icalerror_set_errors_are_fatal(0);
    icalerror_clear_errno();
}

static void ical_leave(void) { pthread_mutex_unlock(&ical_mu); }

/* libical 3.0 strdup()s an RRULE's RSCALE value into the struct it
 * returns by value and frees it nowhere (not in icalrecur_iterator_free):
 * ours to free, or each rule with RSCALE= leaks it. */
static void rule_done(struct icalrecurrencetype *r)
{
    free(r->rscale);
    r->rscale = NULL;
}

static icaltimezone *zone_of(const char *tz)
{
    return tz && *tz ? icaltimezone_get_builtin_timezone(tz) : icaltimezone_get_utc_timezone();
}

int silences_rrule_check(const char *rrule, const char *tz, char *err, size_t errsz)
{
    ical_enter();
    int rc = 0;
    struct icalrecurrencetype r = icalrecurrencetype_from_string(rrule ? rrule : "");
    if (r.freq == ICAL_NO_RECURRENCE) {
        snprintf(err, errsz, "Field 'rrule' is not a valid iCalendar RRULE (RFC 5545, e.g. "
                 "\"FREQ=WEEKLY;BYDAY=SU;BYHOUR=2\"): %s",
                 icalerrno != ICAL_NO_ERROR ? icalerror_strerror(icalerrno) : "no FREQ");
        rc = -EINVAL;
    } else if (!zone_of(tz)) {
        snprintf(err, errsz, "Field 'timezone' must be an IANA time zone such as "
                 "\"Europe/Berlin\"");
        rc = -EINVAL;
    }
    rule_done(&r);
    ical_leave();
    return rc;
}

/* Local time t in zone z as epoch s; ical_mu held. A time in the spring-
 * forward gap (02:30 in Europe/Berlin on the last Sunday of March) does
 * not exist: RFC 5545 §3.3.5 reads it with the UTC offset before the gap
 * (02:30 -> 03:30 local). libical reads it with the offset after, which
 * lands before the change; its round trip then comes back earlier than t,
 * and the offset libical gives for that instant is the one before. */
static int64_t local_to_utc(struct icaltimetype t, icaltimezone *z)
{
    time_t o = icaltime_as_timet_with_zone(t, z);
    struct icaltimetype back = icaltime_from_timet_with_zone(o, 0, z);
    time_t wall = icaltime_as_timet(t);           /* the fields as they read */
    if (icaltime_as_timet(back) >= wall)
        return (int64_t)o;                        /* exists (or already after the gap) */
    struct icaltimetype u = icaltime_from_timet_with_zone(o, 0, icaltimezone_get_utc_timezone());
    int dst = 0;
    int before = icaltimezone_get_utc_offset_of_utc_time(z, &u, &dst);
    return (int64_t)wall - before;
}

/* Window starts of r whose window ends after from, in order; ical_mu held. */
static int occ_locked(const SilenceRow *r, int64_t from, int64_t *out, int max)
{
    icaltimezone *z = zone_of(r->timezone);
    struct icalrecurrencetype rule = icalrecurrencetype_from_string(r->rrule);
    if (!z || rule.freq == ICAL_NO_RECURRENCE) {
        rule_done(&rule);
        return 0;
    }
    struct icaltimetype dt = icaltime_from_timet_with_zone((time_t)r->starts_at, 0, z);
    dt.hour = dt.minute = dt.second = 0;     /* times of day come from the rule */
    icalrecur_iterator *it = icalrecur_iterator_new(rule, dt);
    if (!it) {
        rule_done(&rule);
        return 0;
    }
    int64_t dur = (int64_t)r->duration_minutes * 60;
    int64_t after = from > r->starts_at ? from : r->starts_at;
    if (after - dur - 2 * 86400 > r->starts_at)   /* skip ahead (not with COUNT) */
        icalrecur_iterator_set_start(it, icaltime_from_timet_with_zone(
                                             (time_t)(after - dur - 2 * 86400), 0, z));
    int n = 0;
    int64_t last = INT64_MIN;
    for (int guard = 0; n < max && guard < OCC_GUARD; guard++) {
        struct icaltimetype t = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(t))
            break;
        int64_t o = local_to_utc(t, z);
        if (r->ends_at && o >= r->ends_at)
            break;
        /* libical repeats a time for a repeated BYxxx value ("BYHOUR=3,3"),
         * and two local times of a spring-forward day can read as one
         * instant: each window start once, in order */
        if (o <= last)
            continue;
        last = o;
        if (o + dur > after)
            out[n++] = o;
    }
    icalrecur_iterator_free(it);
    rule_done(&rule);
    return n;
}

int silences_occurrences(const SilenceRow *r, int64_t from, int64_t *out, int max)
{
    if (!r->rrule[0] || max <= 0)
        return 0;
    ical_enter();
    int n = occ_locked(r, from, out, max);
    ical_leave();
    return n;
}

/* ---- pure rules ---------------------------------------------------------- */

void silences_fmt_until(int64_t t, int64_t now, char *buf, size_t size)
{
    time_t tt = (time_t)t, tn = (time_t)now;
    struct tm a, b;
    localtime_r(&tt, &a);
    localtime_r(&tn, &b);
    const char *fmt = a.tm_year == b.tm_year && a.tm_yday == b.tm_yday ? "%H:%M"
                      : t > now && t - now < 6 * 86400 ? "%a %H:%M" : "%Y-%m-%d %H:%M";
    if (!t || strftime(buf, size, fmt, &a) == 0)
        snprintf(buf, size, "-");
}

void silences_state_at(SilenceRow *r, int64_t now)
{
    r->state = SILENCE_EXPIRED;
    r->window_start = r->window_end = 0;
    if (r->expired_at && r->expired_at <= now)
        return;
    int64_t ws = r->starts_at, we = r->ends_at;
    if (r->rrule[0]) {
        int64_t o;
        if (silences_occurrences(r, now, &o, 1) < 1)
            return;
        ws = o > r->starts_at ? o : r->starts_at;
        we = o + (int64_t)r->duration_minutes * 60;
        if (r->ends_at && we > r->ends_at)
            we = r->ends_at;
    }
    if (we <= now)
        return;
    r->window_start = ws;
    r->window_end = we;
    r->state = ws <= now ? SILENCE_ACTIVE : SILENCE_PENDING;
}

int silences_match(const SilenceRow *s, int64_t service_id, const char *type,
                   const char *severity, const char *category)
{
    if (s->service_id && s->service_id != service_id)
        return 0;
    /* stored as given, compared without case: "statuschange" silences a
     * StatusChange alert (service names are unique without case too) */
    if (s->type[0] && strcasecmp(s->type, type ? type : "") != 0)
        return 0;
    if (s->severity[0] && strcasecmp(s->severity, severity ? severity : "") != 0)
        return 0;
    if (s->category[0] && strcasecmp(s->category, category ? category : "") != 0)
        return 0;
    return 1;
}

int silences_parse_duration(const char *s, int64_t *out_minutes)
{
    if (!s || *s < '0' || *s > '9')
        return -EINVAL;
    int64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > 100000000)
            return -EINVAL;
        v = v * 10 + (*s - '0');
    }
    int64_t unit = 1;
    if (*s == 'm' || *s == '\0')
        unit = 1;
    else if (*s == 'h')
        unit = 60;
    else if (*s == 'd')
        unit = 1440;
    else
        return -EINVAL;
    if (*s && s[1])
        return -EINVAL;
    if (v <= 0)
        return -EINVAL;
    *out_minutes = v * unit;
    return 0;
}

/* ---- create ------------------------------------------------------------- */

static int text_field(const char *field, const char *v, size_t max, char *dst, size_t dstsz,
                      char *err, size_t errsz)
{
    if (!v)
        return 0;
    if (util_text_check(field, v, max, UTIL_TEXT_LINE | UTIL_TEXT_VISIBLE | UTIL_TEXT_NONBLANK,
                        err, errsz) < 0)
        return -EINVAL;
    if (strlen(v) >= dstsz) {
        snprintf(err, errsz, "Field '%s' is too long", field);
        return -EINVAL;
    }
    strlcpy_(dst, v, dstsz);
    return 0;
}

static int matchers_fill(Store *st, const SilenceSpec *sp, SilenceRow *r, char *err, size_t errsz)
{
    if (sp->service) {
        int64_t id = 0;
        int f = silence_repo_service_id(st, sp->service, &id);
        if (f < 0)
            return -EIO;
        if (!f || (sp->service_id && sp->service_id != id)) {
            snprintf(err, errsz, f ? "Fields 'matchers.service' and 'matchers.service_id' name "
                     "different services" : "Field 'matchers.service': no service is named "
                     "\"%.100s\"", sp->service);
            return -EINVAL;
        }
        r->service_id = id;
    }
    if (sp->service_id && !sp->service) {
        int e = service_repo_exists(st, sp->service_id);
        if (e < 0)
            return -EIO;
        if (!e) {
            snprintf(err, errsz, "Field 'matchers.service_id': service %lld not found",
                     (long long)sp->service_id);
            return -EINVAL;
        }
        r->service_id = sp->service_id;
    }
    if (text_field("matchers.type", sp->type, 50, r->type, sizeof r->type, err, errsz) < 0)
        return -EINVAL;
    if (sp->severity) {
        AlertSeverity sev;
        if (severity_parse(sp->severity, &sev) < 0) {
            snprintf(err, errsz, "Field 'matchers.severity' must be Critical, Warning or Info");
            return -EINVAL;
        }
        strlcpy_(r->severity, severity_name(sev), sizeof r->severity);
    }
    if (sp->category) {
        char cat[32];             /* without case, like the other matchers */
        size_t i = 0;
        for (; sp->category[i] && i + 1 < sizeof cat; i++)
            cat[i] = (char)tolower((unsigned char)sp->category[i]);
        cat[i] = '\0';
        if (sp->category[i] || !decision_in(decision_categories, cat)) {
            snprintf(err, errsz, "Field 'matchers.category' must be one of network, database, "
                     "application, security, infrastructure, user_access");
            return -EINVAL;
        }
        strlcpy_(r->category, cat, sizeof r->category);
    }
    if (!r->service_id && !r->type[0] && !r->severity[0] && !r->category[0]) {
        snprintf(err, errsz, "Field 'matchers' needs at least one of service_id, service, type, "
                 "severity, category");
        return -EINVAL;
    }
    return 0;
}

static int bad(char *err, size_t errsz, const char *msg)
{
    snprintf(err, errsz, "%s", msg);
    return -EINVAL;
}

static int recurring_fill(const SilenceSpec *sp, SilenceRow *r, char *err, size_t errsz)
{
    if (strlen(sp->rrule) > SILENCE_RRULE_MAX)
        return bad(err, errsz, "Field 'rrule' is too long");
    if (sp->timezone && strlen(sp->timezone) >= sizeof r->timezone)
        return bad(err, errsz, "Field 'timezone' is too long");
    if (silences_rrule_check(sp->rrule, sp->timezone, err, errsz) < 0)
        return -EINVAL;
    if (sp->duration_minutes < 1 || sp->duration_minutes > silences_max_minutes()) {
        snprintf(err, errsz, "Field 'duration_minutes' must be an integer from 1 to %d "
                 "(notify.silence_max_minutes) with 'rrule'", silences_max_minutes());
        return -EINVAL;
    }
    strlcpy_(r->rrule, sp->rrule, sizeof r->rrule);
    strlcpy_(r->timezone, sp->timezone ? sp->timezone : "", sizeof r->timezone);
    r->duration_minutes = (int)sp->duration_minutes;
    if (r->ends_at && r->ends_at <= r->starts_at)
        return bad(err, errsz, "Field 'ends_at' must be after 'starts_at'");
    return 0;
}

static int window_fill(const SilenceSpec *sp, int64_t now, SilenceRow *r, char *err,
                       size_t errsz)
{
    r->starts_at = sp->starts_at ? sp->starts_at : now;
    r->ends_at = sp->ends_at;
    if (sp->rrule) {
        if (recurring_fill(sp, r, err, errsz) < 0)
            return -EINVAL;
    } else {
        if (sp->timezone)
            return bad(err, errsz, "Field 'timezone' applies to a recurring silence only "
                       "(give 'rrule')");
        if (sp->duration_minutes && sp->ends_at)
            return bad(err, errsz, "Give 'ends_at' or 'duration_minutes', not both");
        if (sp->duration_minutes > 0)
            r->ends_at = r->starts_at + sp->duration_minutes * 60;
        else if (sp->duration_minutes < 0)
            return bad(err, errsz, "Field 'duration_minutes' must be a positive integer");
        if (!r->ends_at)
            return bad(err, errsz, "Field 'ends_at' is required for a one-off silence (or "
                       "give 'rrule' and 'duration_minutes')");
        if (r->ends_at <= r->starts_at)
            return bad(err, errsz, "Field 'ends_at' must be after 'starts_at'");
        if (r->ends_at - r->starts_at > (int64_t)silences_max_minutes() * 60) {
            snprintf(err, errsz, "A silence may last at most %d minutes "
                     "(notify.silence_max_minutes); this one lasts %lld",
                     silences_max_minutes(), (long long)((r->ends_at - r->starts_at + 59) / 60));
            return -EINVAL;
        }
    }
    silences_state_at(r, now);
    if (r->state == SILENCE_EXPIRED)
        return bad(err, errsz, r->rrule[0] ? "Field 'rrule' gives no window after now: the "
                   "silence would never be active" : "Field 'ends_at' must be in the future");
    return 0;
}

static void describe(const SilenceRow *r, char *buf, size_t size)
{
    char until[32] = "";
    if (r->ends_at)
        util_iso8601(r->ends_at, until, sizeof until);
    snprintf(buf, size, "silence %lld (service_id=%lld type=%s severity=%s category=%s%s%s) "
             "%s%s: %s", (long long)r->id, (long long)r->service_id, r->type[0] ? r->type : "*",
             r->severity[0] ? r->severity : "*", r->category[0] ? r->category : "*",
             r->rrule[0] ? " rrule=" : "", r->rrule, until[0] ? "until " : "no end", until,
             r->comment);
}

int silences_create(Store *st, const SilenceSpec *sp, int64_t user_id, const char *actor,
                    int64_t now, SilenceRow *out, char *err, size_t errsz)
{
    SilenceRow r;
    memset(&r, 0, sizeof r);
    if (!sp->comment)
        return bad(err, errsz, "Field 'comment' is required (why is this silenced?)");
    if (text_field("comment", sp->comment, SILENCE_COMMENT_MAX, r.comment, sizeof r.comment,
                   err, errsz) < 0 || window_fill(sp, now, &r, err, errsz) < 0)
        return -EINVAL;
    strlcpy_(r.created_by, actor && *actor ? actor : "system", sizeof r.created_by);
    r.created_at = now;
    if (store_begin(st) < 0)
        return -EIO;
    int rc = matchers_fill(st, sp, &r, err, errsz);
    if (rc < 0)
        goto fail;
    rc = -EIO;
    if ((r.id = silence_repo_insert(st, &r, user_id)) < 0)
        goto fail;
    char detail[1400];
    describe(&r, detail, sizeof detail);
    if (audit_repo_add_as(st, "Silence Created", "Silence", r.id, user_id, actor, detail,
                          now) < 0 || silences_tick(st, now) < 0)
        goto fail;
    if (out && silence_repo_get(st, r.id, out) != 1)
        goto fail;
    if (store_commit(st) < 0)
        goto fail;
    if (out)
        silences_state_at(out, now);
    return 0;
fail:
    store_rollback(st);
    return rc;
}

int silences_expire(Store *st, int64_t id, int64_t user_id, const char *actor, int64_t now,
                    SilenceRow *out, char *err, size_t errsz)
{
    SilenceRow r;
    if (store_begin(st) < 0)
        return -EIO;
    int rc = silence_repo_get(st, id, &r);
    if (rc <= 0) {
        store_rollback(st);
        if (rc == 0)
            snprintf(err, errsz, "Silence not found");
        return rc < 0 ? -EIO : -ENOENT;
    }
    silences_state_at(&r, now);
    if (r.state == SILENCE_EXPIRED) {
        store_rollback(st);
        snprintf(err, errsz, "Silence already expired");
        return -ENOTUNIQ;
    }
    char detail[1400];
    describe(&r, detail, sizeof detail);
    if (silence_repo_expire(st, id, actor && *actor ? actor : "system", now) < 0 ||
        audit_repo_add_as(st, "Silence Expired", "Silence", id, user_id, actor, detail, now) < 0 ||
        silences_tick(st, now) < 0 || (out && silence_repo_get(st, id, out) != 1) ||
        store_commit(st) < 0) {
        store_rollback(st);
        return -EIO;
    }
    if (out)
        silences_state_at(out, now);
    return 0;
}

/* ---- reading ------------------------------------------------------------ */

int silences_list(Store *st, int64_t now, SilenceRow **out)
{
    int n = silence_repo_list(st, 1, now, out);
    for (int i = 0; i < n; i++)
        silences_state_at(&(*out)[i], now);
    return n;
}

int silences_for_snapshot(Store *st, int64_t now, SilenceRow **out, int *n, AlertSilence **pairs,
                          int *npairs)
{
    SilenceRow *v;
    int k = silences_list(st, now, &v);
    if (k < 0)
        return -EIO;
    int m = 0;
    for (int i = 0; i < k && m < SILENCES_SNAPSHOT_MAX; i++) {
        int64_t end = v[i].expired_at ? v[i].expired_at : v[i].ends_at;
        if (v[i].state != SILENCE_EXPIRED || !end || end > now - 86400)
            v[m++] = v[i];
    }
    AlertSilence *p;
    int np = silence_repo_matches(st, &p);
    if (np < 0) {
        free(v);
        return -EIO;
    }
    *out = v;
    *n = m;
    *pairs = p;
    *npairs = np;
    return 0;
}

const SilenceRow *silences_of_alert(const SilenceRow *v, int n, const AlertSilence *pairs,
                                    int npairs, int64_t alert_id)
{
    int lo = 0, hi = npairs - 1;
    while (lo <= hi) {                      /* pairs are sorted by alert id */
        int mid = lo + (hi - lo) / 2;
        if (pairs[mid].alert_id == alert_id) {
            for (int i = 0; i < n; i++)
                if (v[i].id == pairs[mid].silence_id)
                    return &v[i];
            return NULL;
        }
        if (pairs[mid].alert_id < alert_id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

int silences_active_count(const SilenceRow *v, int n, int64_t now, int64_t *soonest)
{
    int k = 0;
    *soonest = 0;
    for (int i = 0; i < n; i++) {
        SilenceRow r = v[i];
        silences_state_at(&r, now);
        if (r.state != SILENCE_ACTIVE)
            continue;
        k++;
        if (!*soonest || r.window_end < *soonest)
            *soonest = r.window_end;
    }
    return k;
}

/* The silences that may be active at now, each with its state: count or
 * -EIO; only the active ones are kept. */
static int load_active(Store *st, int64_t now, SilenceRow **out)
{
    SilenceRow *v;
    int n = silence_repo_list(st, 0, now, &v);
    if (n < 0)
        return -EIO;
    int k = 0;
    for (int i = 0; i < n; i++) {
        silences_state_at(&v[i], now);
        if (v[i].state == SILENCE_ACTIVE)
            v[k++] = v[i];
    }
    *out = v;
    return k;
}

static const SilenceRow *first_match(const SilenceRow *v, int n, const SilenceAlert *a)
{
    for (int i = 0; i < n; i++)
        if (silences_match(&v[i], a->service_id, a->type, a->severity, a->category))
            return &v[i];
    return NULL;
}

/* ---- fan-out and release ------------------------------------------------ */

int silences_hold(Store *st, const NotifyEvent *ev, int64_t outbox_id, int64_t now)
{
    if ((ev->source && strcmp(ev->source, "alert") != 0) || ev->id <= 0 || ev->service_id <= 0)
        return 0;
    int64_t sid = 0;
    if (strcmp(ev->event, "raised") != 0) {
        /* a resolve of a raise nobody was told about says nothing either */
        int h = silence_repo_held_for_alert(st, ev->id, &sid);
        if (h <= 0)
            return h;
    } else {
        SilenceRow *v;
        int n = load_active(st, now, &v);
        if (n < 0)
            return -EIO;
        SilenceAlert a = {.id = ev->id, .service_id = ev->service_id};
        strlcpy_(a.type, ev->type ? ev->type : "", sizeof a.type);
        strlcpy_(a.severity, ev->severity ? ev->severity : "", sizeof a.severity);
        int r = n ? silence_repo_service_category(st, ev->service_id, a.category,
                                                  sizeof a.category) : 0;
        const SilenceRow *m = n && r == 0 ? first_match(v, n, &a) : NULL;
        sid = m ? m->id : 0;
        free(v);
        if (r < 0)
            return -EIO;
        if (!sid)
            return 0;
    }
    return silence_repo_suppress(st, sid, outbox_id, ev->id, ev->event, now) < 0 ? -EIO : 1;
}

int silences_note_alert(Store *st, int64_t alert_id, int64_t service_id, const char *type,
                        const char *severity, int64_t now)
{
    SilenceRow *v;
    int n = load_active(st, now, &v);
    if (n <= 0)
        return n < 0 ? -EIO : 0;
    SilenceAlert a = {.id = alert_id, .service_id = service_id};
    strlcpy_(a.type, type, sizeof a.type);
    strlcpy_(a.severity, severity, sizeof a.severity);
    int r = silence_repo_service_category(st, service_id, a.category, sizeof a.category);
    const SilenceRow *m = r == 0 ? first_match(v, n, &a) : NULL;
    if (m && silence_repo_add_match(st, alert_id, m->id) < 0)
        r = -EIO;
    free(v);
    return r < 0 ? -EIO : 0;
}

/* Release one kept-back row; *notified lists alerts told in this pass. */
static int release_one(Store *st, const SilenceHeld *h, const SilenceRow *act, int nact,
                       int64_t *notified, int *nn, int64_t now)
{
    SilenceAlert a;
    int64_t resolved = 0;
    int f = silence_repo_alert(st, h->alert_id, &a, &resolved);
    if (f < 0)
        return -EIO;
    if (!f || resolved || a.acknowledged)
        return silence_repo_release(st, h->id, "cleared", now);
    if (first_match(act, nact, &a))
        return 0;                       /* still covered: keep it back */
    for (int i = 0; i < *nn; i++)
        if (notified[i] == a.id)
            return silence_repo_release(st, h->id, "notified", now);
    AlertRow row;
    if (alert_repo_get(st, a.id, &row) != 1 ||
        notify_alert(st, a.id, a.service_id, row.type, row.severity, NULL, row.message, "raised",
                     now) < 0 || silence_repo_release(st, h->id, "notified", now) < 0)
        return -EIO;
    notified[(*nn)++] = a.id;
    return 1;
}

static int refresh_matches(Store *st, const SilenceRow *act, int nact)
{
    SilenceAlert *al;
    int n = silence_repo_open_alerts(st, &al);
    if (n < 0)
        return -EIO;
    AlertSilence *pairs = xmalloc((size_t)(n ? n : 1) * sizeof *pairs);
    int k = 0;
    for (int i = 0; i < n; i++) {
        const SilenceRow *m = first_match(act, nact, &al[i]);
        if (m)
            pairs[k++] = (AlertSilence){al[i].id, m->id};
    }
    int rc = silence_repo_set_matches(st, pairs, k);
    free(pairs);
    free(al);
    return rc;
}

int silences_tick(Store *st, int64_t now)
{
    SilenceRow *act;
    int nact = load_active(st, now, &act);
    if (nact < 0)
        return -EIO;
    SilenceHeld held[HELD_BATCH];
    int64_t notified[HELD_BATCH];
    int nn = 0, told = 0;
    int n = silence_repo_held(st, held, HELD_BATCH);
    for (int i = 0; n >= 0 && i < n; i++) {
        int r = release_one(st, &held[i], act, nact, notified, &nn, now);
        if (r < 0)
            n = -EIO;
        else
            told += r;
    }
    int rc = n < 0 ? -EIO : refresh_matches(st, act, nact);
    free(act);
    return rc < 0 ? -EIO : told;
}

int silences_tick_due(Store *st, int64_t now, int64_t *next)
{
    if (*next && now < *next && *next - now <= 60)   /* (a clock set back: tick) */
        return 0;
    SilenceRow *v;
    int n = silence_repo_list(st, 0, now, &v);
    if (n < 0)
        return -EIO;
    int64_t soon = now + 60;
    for (int i = 0; i < n; i++) {
        silences_state_at(&v[i], now);
        int64_t b = v[i].state == SILENCE_PENDING ? v[i].window_start : v[i].window_end;
        if (v[i].state != SILENCE_EXPIRED && b > now && b < soon)
            soon = b;
    }
    free(v);
    if (store_begin(st) < 0)
        return -EIO;
    if (silences_tick(st, now) < 0 || store_commit(st) < 0) {
        store_rollback(st);
        return -EIO;
    }
    *next = soon;
    return 0;
}
