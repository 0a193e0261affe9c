/* pane_security — seed 003's security alerts in the console (issue 12
 * item 7), key 9.
 *
 * The list: newest first, one row per alert with its severity (coloured
 * by the OCSF severity_id), S0, route, latest verdict, group count
 * ("+12" on a group's first alert; the near-duplicates grouped under it
 * stay hidden until Space opens the group), source, title and received
 * time. Enter opens the detail: the normalized alert (title,
 * description, severity, timestamp, metadata), its observables, the
 * nearest neighbours with their cosine scores (similarity_of) and the
 * verdict history (secalerts_verdicts).
 *
 * T / F / E set a verdict TP / FP / ESCALATE: the console asks for the
 * confidence (0..1, Enter: 0.9) and a note, then calls secalerts_verdict
 * with the console user as the actor (audited there). R offers the
 * configured response actions (secresponse_actions) as a one-key menu and
 * runs the chosen one (secresponse_run) on the alert's first IP
 * observable, asking for the target when it has none.
 *
 * DATA: security alerts are not in the snapshot; like the Metrics pane's
 * history, this pane reads the domain on the UI thread's own Store
 * (secalerts_list), again when a new snapshot arrives (the engine
 * publishes when the database changed) and after a write, at most once
 * a second. The detail's neighbours and verdicts are read once per
 * selected alert and load. */
#include "panes.h"
#include "layout.h"
#include "theme.h"
#include "tui_priv.h"
#include "util.h"
#include "domain/errors.h"
#include "domain/secalerts.h"
#include "domain/secresponse.h"
#include "domain/similarity.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SEC_LOAD_MAX    500   /* newest alerts read (heads and their members) */
#define SEC_NEIGHBOURS  5     /* neighbours in the detail */
#define SEC_RELOAD_MS   1000  /* at most one list read a second */
#define SEC_COUNT_MS    15000 /* the total (a scan of every alert) at most every 15 s */
#define SEC_CONFIDENCE  0.9   /* the verdict's confidence when Enter answers */

typedef struct SecState {
    SecAlert     *rows;            /* newest first */
    int           n;
    int64_t       total;           /* alerts in the database */
    int64_t       total_ms;        /* util_mono_ms() when it was counted, 0 never */
    int64_t       loaded_ms;       /* util_mono_ms() of the last read, 0 never */
    int           stale;           /* read again at the next rebuild */
    int           load_err;
    SecThresholds th;
    int64_t       expanded[64];    /* heads whose group is open */
    int           nexpanded;
    int64_t       jump_seq;        /* open this alert's detail at the next rebuild */
    char          jump_id[SECALERT_ID_MAX + 1];
    /* the detail's cache: for det_seq, as of det_loaded */
    int64_t       det_seq, det_loaded;
    SimHit        hits[SEC_NEIGHBOURS];
    int           nhits;
    SecVerdict   *verdicts;
    int           nverdicts;
    SecResponseRow *responses;     /* oldest first */
    int           nresponses;
    int           nesc;            /* open escalated ones, as the Alerts pane counts them */
} SecState;

static int64_t mono_ms(void) { return util_mono_ms(); }

static void det_clear(SecState *st)
{
    secalerts_verdicts_free(st->verdicts, st->nverdicts);
    st->verdicts = NULL;
    st->nverdicts = 0;
    secresp_responses_free(st->responses, st->nresponses);
    st->responses = NULL;
    st->nresponses = 0;
    st->nhits = 0;
    st->det_seq = 0;
}

/* Read the newest alerts (heads and grouped ones) and the thresholds. */
static void load(Pane *p)
{
    SecState *st = p->state;
    Store *db = ui_store(p->ui);
    if (!db)
        return;
    SecFilter f = {.min_severity_id = -1, .limit = SEC_LOAD_MAX};
    SecAlert *rows = NULL;
    int n = 0;
    int64_t total = -1, now = mono_ms();
    int count = st->stale || !st->total_ms || now - st->total_ms >= SEC_COUNT_MS;
    if (secalerts_list(db, &f, &rows, &n, count ? &total : NULL) < 0) {
        st->load_err = 1;
    } else {
        secalerts_free_list(st->rows, st->n);
        st->rows = rows;
        st->n = n;
        if (count) {
            st->total = total;
            st->total_ms = now;
        }
        if (st->total < n || (n < SEC_LOAD_MAX && st->total != n))
            st->total = n;            /* a new alert since the count: at least these */
        st->load_err = 0;
    }
    if (secalerts_thresholds(db, &st->th) < 0)
        st->th = (SecThresholds){79, 90, 5, 0.97, 600};
    /* the title's "escalated" is the Alerts pane's section: open group
     * heads (the list here also has closed ones and members) */
    SecAlert *esc = NULL;
    st->nesc = pane_security_escalations(p->ui, &esc);
    secalerts_free_list(esc, st->nesc);
    st->loaded_ms = mono_ms();
    st->stale = 0;
    st->det_loaded = -1;              /* the detail reads its extras again */
}

static int is_expanded(const SecState *st, int64_t seq)
{
    for (int i = 0; i < st->nexpanded; i++)
        if (st->expanded[i] == seq)
            return 1;
    return 0;
}

static void toggle_expanded(SecState *st, int64_t seq)
{
    for (int i = 0; i < st->nexpanded; i++)
        if (st->expanded[i] == seq) {
            st->expanded[i] = st->expanded[--st->nexpanded];
            return;
        }
    if (st->nexpanded < (int)(sizeof st->expanded / sizeof st->expanded[0]))
        st->expanded[st->nexpanded++] = seq;
}

/* The index of the loaded alert seq, or -1. */
static int row_of_seq(const SecState *st, int64_t seq)
{
    for (int i = 0; i < st->n; i++)
        if (st->rows[i].seq == seq)
            return i;
    return -1;
}

/* A member whose head is not loaded shows as a row of its own. */
static int is_member(const SecState *st, const SecAlert *a)
{
    return a->group_of && a->group_of != a->seq && row_of_seq(st, a->group_of) >= 0;
}

static void take_jump(Pane *p)
{
    SecState *st = p->state;
    if (!st->jump_id[0])
        return;
    for (int i = 0; i < st->n; i++)
        if (!strcmp(st->rows[i].id, st->jump_id)) {
            const SecAlert *a = &st->rows[i];
            if (is_member(st, a) && !is_expanded(st, a->group_of))
                toggle_expanded(st, a->group_of);
            st->jump_seq = a->seq;
            break;
        }
    st->jump_id[0] = '\0';
}

static void rebuild(Pane *p, const Snapshot *s)
{
    (void)s;
    SecState *st = p->state;
    int64_t now = mono_ms();
    if (st->stale || !st->loaded_ms || now - st->loaded_ms >= SEC_RELOAD_MS)
        load(p);
    take_jump(p);
    int flat = p->search[0] != 0;       /* searching: every alert in reach */
    for (int i = 0; i < st->n; i++) {
        const SecAlert *a = &st->rows[i];
        if (!flat && is_member(st, a))
            continue;
        pane_list_push(&p->list, i, a->seq);
        if (flat || !a->group_count || !is_expanded(st, a->seq))
            continue;
        for (int k = 0; k < st->n; k++)
            if (st->rows[k].group_of == a->seq && k != i)
                pane_list_push(&p->list, k, st->rows[k].seq);
    }
    if (st->jump_seq) {
        p->list.sel_id = st->jump_seq;
        p->list.has_sel = 1;
        p->list.moved = 1;
        p->detail = 1;
        st->jump_seq = 0;
    }
}

static int match(Pane *p, const Snapshot *s, int item, const char *pat)
{
    (void)s;
    const SecAlert *a = &((SecState *)p->state)->rows[item];
    return layout_contains(a->id, pat) || layout_contains(a->title, pat) ||
           layout_contains(a->source, pat) || layout_contains(a->severity, pat) ||
           layout_contains(a->route, pat) || layout_contains(a->verdict, pat) ||
           layout_contains(a->normalized, pat);
}

/* The word of an OCSF severity_id, both panes' (secnorm's words,
 * capitalized): "-" before normalization. */
const char *pane_security_severity_word(int id)
{
    static const char *const words[] = {"Unknown", "Info", "Low",  "Medium",
                                        "High",    "Critical", "Fatal"};
    if (id < 0)
        return "-";
    return id <= 6 ? words[id] : "Unknown";
}

/* The colour of an OCSF severity_id: 5-6 critical, 4 high, 3 medium. */
attr_t pane_security_severity_attr(int id)
{
    if (id >= 5)
        return theme_attr(TH_CRIT) | A_BOLD;
    if (id == 4)
        return theme_attr(TH_CRIT);
    if (id == 3)
        return theme_attr(TH_WARN);
    if (id >= 1)
        return theme_attr(TH_INFO);
    return theme_attr(TH_DIM);
}

/* Escalated: an incident opened, or routed to a verdict at or above the
 * escalation threshold. */
static int keep_escalated(const SecAlert *a, int threshold)
{
    return (a->incident_id && *a->incident_id) ||
           (a->route && !strcmp(a->route, "verdict") && a->s0 >= threshold);
}

static const char *or_dash(const char *s) { return s && *s ? s : "-"; }

static const TableCol cols[] = {
    {"Severity", 8, 8, 0, 0, 0},
    {"S0", 3, 3, 0, 0, 1},
    {"Route", 8, 8, 0, 0, 0},
    {"Verdict", 8, 8, 0, 1, 0},
    {"Group", 5, 6, 0, 1, 1},
    {"Source", 6, 12, 1, 2, 0},
    {"Title", 20, 0, 4, 0, 0},
    {"Received", 16, 16, 0, 3, 0},
};
/* at 80 columns the title keeps 24 before the others grow */
static const TableFit fit[] = {{6, 24, 0}, {0, 0, 4}, {-1, 0, 0}};

/* Route, or the stage before triage ("received", "failed"); an alert
 * that opened an incident says so. */
static void route_cell(const SecAlert *a, char *buf, size_t size)
{
    if (a->route && *a->route)
        snprintf(buf, size, "%s%s", a->route, a->incident_id && *a->incident_id ? "!" : "");
    else
        strlcpy_(buf, or_dash(a->stage), size);
}

static void cell(Pane *p, const Snapshot *s, int item, int col, char *buf, size_t size,
                 attr_t *attr)
{
    (void)s;
    SecState *st = p->state;
    const SecAlert *a = &st->rows[item];
    int member = is_member(st, a) && !p->search[0];
    char t[40];
    buf[0] = '\0';
    switch (col) {
    case 0:
        strlcpy_(buf, pane_security_severity_word(a->severity_id), size);
        *attr = a->closed_at ? theme_attr(TH_DIM) : pane_security_severity_attr(a->severity_id);
        return;
    case 1:
        if (a->s0 >= 0)
            snprintf(buf, size, "%d", a->s0);
        else
            strlcpy_(buf, "-", size);
        if (a->s0 >= st->th.escalation_threshold)
            *attr = theme_attr(TH_CRIT) | A_BOLD;
        else if (a->s0 >= st->th.triage_threshold)
            *attr = theme_attr(TH_WARN);
        return;
    case 2: route_cell(a, buf, size); break;
    case 3: strlcpy_(buf, or_dash(a->verdict), size); break;
    case 4:
        if (a->group_count > 0)
            snprintf(buf, size, "+%d", a->group_count);
        break;
    case 5: strlcpy_(buf, or_dash(a->source), size); break;
    case 6:
        if (member)
            snprintf(buf, size, "  %s%s", theme_glyphs()->tree_last, or_dash(a->title));
        else if (a->group_count > 0)
            snprintf(buf, size, "[%c] %s", is_expanded(st, a->seq) ? '-' : '+', or_dash(a->title));
        else
            strlcpy_(buf, a->title ? a->title : a->id, size);
        break;
    case 7: pane_fmt_time(a->received_at, t, sizeof t); strlcpy_(buf, t, size); break;
    }
    if (a->closed_at || member)
        *attr = theme_attr(TH_DIM);
}

static void draw(Pane *p, WINDOW *w, const Snapshot *s)
{
    SecState *st = p->state;
    int routed = 0, pending = 0;
    for (int i = 0; i < st->n; i++) {
        const SecAlert *a = &st->rows[i];
        routed += a->route && !strcmp(a->route, "verdict");
        pending += a->s0 < 0;
    }
    char sum[240];
    snprintf(sum, sizeof sum, "%lld alert%s, %d to verdict, %d escalated open, %d in the pipeline"
             "  [T/F/E: verdict, R: respond]", (long long)st->total, st->total == 1 ? "" : "s",
             routed, st->nesc, pending);
    if (st->load_err)
        snprintf(sum, sizeof sum, "cannot read the security alerts: %s", DOMAIN_IO_ERROR);
    pane_draw_title(w, p, sum);
    pane_draw_table_fit(p, w, s, 1, cols, (int)(sizeof cols / sizeof cols[0]), cell, fit);
}

/* ---- the detail ------------------------------------------------------------ */

/* The seed's inner "normalized" object of a stored Normalized text (the
 * whole object, or only its inner part), or NULL; *root to delete. */
static const cJSON *normalized_of(const SecAlert *a, cJSON **root)
{
    *root = a->normalized ? cJSON_Parse(a->normalized) : NULL;
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(*root, "normalized");
    return cJSON_IsObject(n) ? n : cJSON_IsObject(*root) ? *root : NULL;
}

static const char *json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* "type value, type value" of the observables, or "(none)". */
static void observables_text(const cJSON *norm, char *buf, size_t size)
{
    const cJSON *o;
    size_t len = 0;
    buf[0] = '\0';
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(norm, "observables")) {
        const char *t = json_str(o, "type"), *v = json_str(o, "value");
        if (v && len < size)
            len += (size_t)snprintf(buf + len, size - len, "%s%s %s", len ? ", " : "",
                                    t ? t : "?", v);
    }
    if (!len)
        strlcpy_(buf, "(none)", size);
}

/* "key=value key=value" of the metadata (values as JSON when not strings). */
static void metadata_text(const cJSON *norm, char *buf, size_t size)
{
    const cJSON *m;
    size_t len = 0;
    buf[0] = '\0';
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(norm, "metadata")) {
        char *js = cJSON_IsString(m) ? NULL : cJSON_PrintUnformatted(m);
        if (len < size)
            len += (size_t)snprintf(buf + len, size - len, "%s%s=%s", len ? " " : "",
                                    m->string ? m->string : "?", js ? js : m->valuestring);
        cJSON_free(js);
    }
    if (!len)
        strlcpy_(buf, "(none)", size);
}

/* The value of the first observable of type, or NULL (borrowed from norm). */
static const char *first_observable(const cJSON *norm, const char *type)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(norm, "observables")) {
        const char *t = json_str(o, "type");
        if (t && !strcmp(t, type))
            return json_str(o, "value");
    }
    return NULL;
}

/* Read the neighbours and verdicts of a, once per alert and load. */
static void det_load(Pane *p, const SecAlert *a)
{
    SecState *st = p->state;
    Store *db = ui_store(p->ui);
    if (!db || (st->det_seq == a->seq && st->det_loaded == st->loaded_ms))
        return;
    det_clear(st);
    st->det_seq = a->seq;
    st->det_loaded = st->loaded_ms;
    int k = st->th.k > 0 && st->th.k < SEC_NEIGHBOURS ? st->th.k : SEC_NEIGHBOURS;
    int n = similarity_of(db, a->seq, k, 0, st->hits);
    st->nhits = n > 0 ? n : 0;
    if (secalerts_verdicts(db, a->id, &st->verdicts, &st->nverdicts) < 0) {
        st->verdicts = NULL;
        st->nverdicts = 0;
    }
    if (secresponse_list(db, a->id, &st->responses, &st->nresponses) < 0) {
        st->responses = NULL;
        st->nresponses = 0;
    }
}

static int draw_header(WINDOW *w, int y, int x, int width, const SecState *st,
                       const SecAlert *a)
{
    char t[64], t2[64];
    const char *word = pane_security_severity_word(a->severity_id);
    int given = a->severity && *a->severity && strcasecmp(a->severity, word) != 0;
    pane_draw_kv(w, y++, x, width, "Severity", pane_security_severity_attr(a->severity_id),
                 "%s (OCSF %d%s%s%s)", word, a->severity_id, given ? ", given as \"" : "",
                 given ? a->severity : "", given ? "\"" : "");
    if (a->s0 >= 0)
        y = pane_draw_kv(w, y, x, width, "S0", a->s0 >= st->th.escalation_threshold
                         ? theme_attr(TH_CRIT) | A_BOLD : A_NORMAL,
                         "%d  route %s (verdict at %d, escalation at %d)", a->s0,
                         or_dash(a->route), st->th.triage_threshold,
                         st->th.escalation_threshold);
    else
        y = pane_draw_kv(w, y, x, width, "Stage", A_NORMAL, "%s (not triaged yet)",
                         or_dash(a->stage));
    y = pane_draw_kv(w, y, x, width, "Source", A_NORMAL, "%s%s%s", or_dash(a->source),
                     a->fingerprint ? ", fingerprint " : "", a->fingerprint ? a->fingerprint : "");
    pane_fmt_time(a->received_at, t, sizeof t);
    pane_fmt_time(a->event_at, t2, sizeof t2);
    y = pane_draw_kv(w, y, x, width, "Received", A_NORMAL, "%s%s%s%s", t,
                     a->event_at ? " (event " : "", a->event_at ? t2 : "", a->event_at ? ")" : "");
    if (a->closed_at) {
        pane_fmt_time(a->closed_at, t, sizeof t);
        y = pane_draw_kv(w, y, x, width, "Closed", theme_attr(TH_UP), "%s (its source resolved it)",
                         t);
    }
    if (a->incident_id && *a->incident_id)
        y = pane_draw_kv(w, y, x, width, "Incident", A_BOLD, "%s (category security)",
                         a->incident_id);
    if (a->group_count > 0)
        y = pane_draw_kv(w, y, x, width, "Group", A_NORMAL, "+%d near-duplicate%s under it",
                         a->group_count, a->group_count == 1 ? "" : "s");
    else if (a->group_of && a->group_of != a->seq) {
        int h = row_of_seq(st, a->group_of);
        y = pane_draw_kv(w, y, x, width, "Group", A_NORMAL, "near-duplicate of %s",
                         h >= 0 ? st->rows[h].id : "an older alert");
    }
    return y;
}

/* "key: value" on one line when it fits, else the key and the value
 * wrapped below it (at most 3 lines). */
static int draw_long_kv(WINDOW *w, int y, int x, int width, const char *key, attr_t a,
                        const char *text)
{
    if (layout_width(text) + 14 <= width)
        return pane_draw_kv(w, y, x, width, key, a, "%s", text);
    pane_draw_text(w, y++, x, width, key, theme_attr(TH_DIM));
    return pane_draw_wrapped(w, y, x + 2, width - 2, 3, text, a);
}

static int draw_normalized(WINDOW *w, int y, int x, int width, const SecAlert *a)
{
    cJSON *root;
    const cJSON *norm = normalized_of(a, &root);
    char buf[1024];
    const char *ts = json_str(norm, "timestamp"), *desc = json_str(norm, "description");
    y = pane_draw_kv(w, y, x, width, "Timestamp", A_NORMAL, "%s", or_dash(ts));
    observables_text(norm, buf, sizeof buf);
    y = draw_long_kv(w, y, x, width, "Observables", A_BOLD, buf);
    metadata_text(norm, buf, sizeof buf);
    y = draw_long_kv(w, y, x, width, "Metadata", A_NORMAL, buf);
    if (desc && *desc) {
        pane_draw_text(w, y++, x, width, "Description", theme_attr(TH_HEADER));
        y = pane_draw_wrapped(w, y, x + 2, width - 2, 3, desc, A_NORMAL);
    }
    if (!norm)
        y = pane_draw_kv(w, y, x, width, "Normalized", theme_attr(TH_DIM), "%s",
                         "(not yet: the pipeline normalizes it)");
    cJSON_Delete(root);
    return y;
}

static int draw_neighbours(WINDOW *w, int y, int x, int width, const SecState *st)
{
    pane_draw_text(w, y++, x, width, "Nearest neighbours (cosine)", theme_attr(TH_HEADER));
    if (!st->nhits)
        return pane_draw_kv(w, y, x + 2, width - 2, "-", theme_attr(TH_DIM), "%s",
                            "none yet (no vector, or no other alert)");
    for (int i = 0; i < st->nhits; i++) {
        int r = row_of_seq(st, st->hits[i].seq);
        const SecAlert *h = r >= 0 ? &st->rows[r] : NULL;
        char line[512], seq[32];
        snprintf(seq, sizeof seq, "#%lld", (long long)st->hits[i].seq);
        snprintf(line, sizeof line, "%.3f  %s  %s%s%s%s", (double)st->hits[i].score,
                 h ? h->id : seq, h ? or_dash(h->title) : "(older than the list)",
                 h && h->verdict ? " [" : "", h && h->verdict ? h->verdict : "",
                 h && h->verdict ? "]" : "");
        pane_draw_text(w, y++, x + 2, width - 2, line, A_NORMAL);
    }
    return y;
}

static int draw_verdicts(WINDOW *w, int y, int x, int width, const SecState *st)
{
    pane_draw_text(w, y++, x, width, "Verdicts", theme_attr(TH_HEADER));
    if (!st->nverdicts)
        return pane_draw_kv(w, y, x + 2, width - 2, "-", theme_attr(TH_DIM), "%s",
                            "none yet (T, F or E sets one)");
    for (int i = st->nverdicts - 1; i >= 0; i--) {       /* newest first */
        const SecVerdict *v = &st->verdicts[i];
        char t[64], line[600];
        pane_fmt_time(v->created_at, t, sizeof t);
        snprintf(line, sizeof line, "%s  %-8s %.2f  by %s%s%s", t, v->classification,
                 v->confidence, or_dash(v->actor), v->notes && *v->notes ? ": " : "",
                 v->notes ? v->notes : "");
        pane_draw_text(w, y++, x + 2, width - 2, line, A_NORMAL);
    }
    return y;
}

/* The response actions run on it, newest first (R runs one). */
static int draw_responses(WINDOW *w, int y, int x, int width, const SecState *st)
{
    if (!st->nresponses)
        return y;
    pane_draw_text(w, y++, x, width, "Responses", theme_attr(TH_HEADER));
    for (int i = st->nresponses - 1; i >= 0 && y < getmaxy(w); i--) {
        const SecResponseRow *r = &st->responses[i];
        char t[64], line[700];
        pane_fmt_time(r->created_at, t, sizeof t);
        snprintf(line, sizeof line, "%s  #%lld %s %s on %s by %s%s%s", t, (long long)r->id,
                 r->action, r->state, or_dash(r->target), or_dash(r->actor),
                 r->incident_id[0] ? ", run " : "", r->incident_id);
        attr_t a = !strcmp(r->state, "success") ? theme_attr(TH_UP)
                   : !strcmp(r->state, "failed") || !strcmp(r->state, "refused")
                   ? theme_attr(TH_ERROR) : A_NORMAL;
        pane_draw_text(w, y++, x + 2, width - 2, line, a);
    }
    return y;
}

static void draw_detail(Pane *p, WINDOW *w, const Snapshot *s)
{
    (void)s;
    SecState *st = p->state;
    int cur = pane_list_current(&p->list);
    int width = getmaxx(w) - 2, y = 0, x = 1;
    if (cur < 0) {
        pane_draw_center(w, 2, "(no security alert selected)", theme_attr(TH_DIM));
        return;
    }
    const SecAlert *a = &st->rows[cur];
    det_load(p, a);
    char title[SECALERT_ID_MAX + 64];
    snprintf(title, sizeof title, "Security alert %s", a->id);
    pane_draw_text(w, y++, x, width, title, theme_attr(TH_TITLE));
    y = pane_draw_kv(w, y, x, width, "Title", A_BOLD, "%s", or_dash(a->title));
    y = draw_header(w, y, x, width, st, a);
    y = draw_normalized(w, y, x, width, a);
    y = draw_neighbours(w, y + 1, x, width, st);
    y = draw_verdicts(w, y + 1, x, width, st);
    draw_responses(w, y + 1, x, width, st);
}

/* ---- the keys -------------------------------------------------------------- */

/* The alert under the cursor, or NULL with a word said. */
static const SecAlert *selected(Pane *p)
{
    int cur = pane_list_current(&p->list);
    if (cur < 0) {
        ui_message(p->ui, 0, "No security alert selected");
        return NULL;
    }
    return &((SecState *)p->state)->rows[cur];
}

/* After a write: read the list again at the next rebuild. */
static void after_write(Ui *ui, Pane *p)
{
    ((SecState *)p->state)->stale = 1;
    p->gen++;
    ui_after_write(ui, 0);
}

/* A verdict being asked for: T/F/E, then the confidence, then the note. */
typedef struct VerdictAsk {
    Pane  *p;
    char   id[SECALERT_ID_MAX + 1];
    char   cls[12];
    double confidence;
} VerdictAsk;

static void verdict_note(Ui *ui, void *arg, const char *answer)
{
    VerdictAsk *va = arg;
    char err[256] = "";
    if (!answer) {
        ui_message(ui, 0, "Cancelled: no verdict");
    } else if (secalerts_verdict(ui_store(ui), va->id, va->cls, va->confidence, answer,
                                 ui_actor(ui), util_now(), err, sizeof err) < 0) {
        ui_message(ui, 1, "Verdict on %s: %s", va->id, ui_write_error(ui, err));
    } else {
        ui_message(ui, 0, "Verdict %s (%.2f) on %s by %s", va->cls, va->confidence, va->id,
                   ui_actor(ui));
        after_write(ui, va->p);
    }
    free(va);
}

/* The confidence: "" is the default, else a number in 0..1. */
int pane_security_parse_confidence(const char *text, double *out)
{
    char *end;
    while (*text == ' ')
        text++;
    if (!*text) {
        *out = SEC_CONFIDENCE;
        return 0;
    }
    double v = strtod(text, &end);
    while (*end == ' ')
        end++;
    if (end == text || *end || !(v >= 0.0 && v <= 1.0))
        return -EINVAL;
    *out = v;
    return 0;
}

static void verdict_confidence(Ui *ui, void *arg, const char *answer)
{
    VerdictAsk *va = arg;
    if (!answer) {
        ui_message(ui, 0, "Cancelled: no verdict");
        free(va);
        return;
    }
    if (pane_security_parse_confidence(answer, &va->confidence) < 0) {
        ui_message(ui, 1, "Confidence must be a number from 0 to 1 (Enter: %.1f), not \"%s\"",
                   SEC_CONFIDENCE, answer);
        free(va);
        return;
    }
    char q[SECALERT_ID_MAX + 80];
    snprintf(q, sizeof q, "%s %.2f on %s, note (Enter: none): ", va->cls, va->confidence, va->id);
    ui_prompt(ui, q, verdict_note, va);
    ui->prompt_esc_skips = 1;          /* Esc: no note, still the verdict */
}

/* T, F, E: a verdict TP, FP or ESCALATE on the selected alert. */
static PaneResult key_verdict(Pane *p, int key)
{
    const SecAlert *a = selected(p);
    if (!a)
        return PANE_HANDLED;
    VerdictAsk *va = xcalloc(1, sizeof *va);
    va->p = p;
    strlcpy_(va->id, a->id, sizeof va->id);
    strlcpy_(va->cls, key == 'T' ? "TP" : key == 'F' ? "FP" : "ESCALATE", sizeof va->cls);
    char q[SECALERT_ID_MAX + 80];
    snprintf(q, sizeof q, "%s on %s: confidence 0..1 (Enter: %.1f): ", va->cls, a->id,
             SEC_CONFIDENCE);
    ui_prompt(p->ui, q, verdict_confidence, va);
    return PANE_HANDLED | PANE_REDRAW;
}

/* A response being asked for: R, the action, then the target. */
typedef struct RespondAsk {
    Pane *p;
    char  id[SECALERT_ID_MAX + 1];
    char  action[64];
    char  ip[64], user[128], host[256];   /* the alert's first observables */
} RespondAsk;

static void respond_run(Ui *ui, RespondAsk *ra)
{
    cJSON *t = cJSON_CreateObject();
    if (ra->ip[0])
        cJSON_AddStringToObject(t, "ip", ra->ip);
    if (ra->user[0])
        cJSON_AddStringToObject(t, "user", ra->user);
    if (ra->host[0])
        cJSON_AddStringToObject(t, "host", ra->host);
    char *target = cJSON_PrintUnformatted(t);
    cJSON_Delete(t);
    SecResponseOut out = {0};
    char err[256] = "";
    int rc = secresponse_run(ui_store(ui), ra->id, ra->action, target, NULL, ui_actor(ui),
                             util_now(), &out, err, sizeof err);
    if (rc < 0)
        ui_message(ui, 1, "Response %s on %s: %s%s", ra->action, ra->id,
                   rc == -EAGAIN ? "refused: " : "", ui_write_error(ui, err));
    else
        ui_message(ui, 0, "Response #%lld %s on %s: %s%s%s", (long long)out.id, ra->action,
                   ra->ip[0] ? ra->ip : ra->id, out.state, out.incident_id[0] ? ", run " : "",
                   out.incident_id);
    cJSON_free(target);
    if (rc != -EINVAL && rc != -ENOENT)
        after_write(ui, ra->p);
}

static void respond_target(Ui *ui, void *arg, const char *answer)
{
    RespondAsk *ra = arg;
    while (answer && *answer == ' ')
        answer++;
    if (!answer || !*answer)
        ui_message(ui, 0, "Cancelled: no response run");
    else if (strlen(answer) >= sizeof ra->ip)
        ui_message(ui, 1, "Not an IP address: %s", answer);
    else {
        strlcpy_(ra->ip, answer, sizeof ra->ip);
        respond_run(ui, ra);
    }
    free(ra);
}

static void respond_confirm(Ui *ui, void *arg, const char *answer)
{
    RespondAsk *ra = arg;
    if (answer)
        respond_run(ui, ra);
    else
        ui_message(ui, 0, "Cancelled: no response run");
    free(ra);
}

static void respond_action(Ui *ui, void *arg, const char *answer)
{
    RespondAsk *ra = arg;
    const char *const *acts = secresponse_actions();
    int n = 0;
    while (acts && acts[n])
        n++;
    int i = answer && answer[0] >= '1' && answer[0] <= '9' && !answer[1] ? answer[0] - '1' : -1;
    if (!answer || i < 0 || i >= n) {
        if (answer)
            ui_message(ui, 0, "No action %s: no response run", answer);
        else
            ui_message(ui, 0, "Cancelled: no response run");
        free(ra);
        return;
    }
    strlcpy_(ra->action, acts[i], sizeof ra->action);
    char q[SECALERT_ID_MAX + 200];
    if (!ra->ip[0]) {
        snprintf(q, sizeof q, "%s on %s: no IP observable; target IP: ", ra->action, ra->id);
        ui_prompt(ui, q, respond_target, ra);
        return;
    }
    snprintf(q, sizeof q, "Run %s on %s (alert %s)?", ra->action, ra->ip, ra->id);
    ui_confirm(ui, q, respond_confirm, ra);
}

/* The menu's label: "Response on ID: 1 block_ip  2 disable_user ..." */
static int actions_menu(const char *id, char *buf, size_t size)
{
    const char *const *acts = secresponse_actions();
    size_t len = (size_t)snprintf(buf, size, "Response on %s:", id);
    int n = 0;
    for (; acts && acts[n] && n < 9 && len < size; n++)
        len += (size_t)snprintf(buf + len, size - len, " %d %s ", n + 1, acts[n]);
    if (len < size)
        snprintf(buf + len, size - len, "(Esc cancels)");
    return n;
}

/* R: run a configured response action on the selected alert. */
static PaneResult key_respond(Pane *p, int key)
{
    (void)key;
    const SecAlert *a = selected(p);
    if (!a)
        return PANE_HANDLED;
    char label[sizeof p->ui->prompt_label];
    if (!actions_menu(a->id, label, sizeof label)) {
        ui_message(p->ui, 1, "No response actions configured (setting security.actions)");
        return PANE_HANDLED;
    }
    RespondAsk *ra = xcalloc(1, sizeof *ra);
    ra->p = p;
    strlcpy_(ra->id, a->id, sizeof ra->id);
    cJSON *root;
    const cJSON *norm = normalized_of(a, &root);
    const char *v;
    if ((v = first_observable(norm, "ip")) || (v = first_observable(norm, "ipv6")))
        strlcpy_(ra->ip, v, sizeof ra->ip);
    if ((v = first_observable(norm, "user")))
        strlcpy_(ra->user, v, sizeof ra->user);
    if ((v = first_observable(norm, "host")))
        strlcpy_(ra->host, v, sizeof ra->host);
    cJSON_Delete(root);
    ui_ask_key(p->ui, label, respond_action, ra);
    return PANE_HANDLED | PANE_REDRAW;
}

/* Space: open or close the group under the cursor (on a member: its head's). */
static PaneResult key_group(Pane *p, int key)
{
    (void)key;
    SecState *st = p->state;
    int cur = pane_list_current(&p->list);
    if (cur < 0)
        return PANE_HANDLED;
    const SecAlert *a = &st->rows[cur];
    int64_t head = a->group_count > 0 ? a->seq : is_member(st, a) ? a->group_of : 0;
    if (!head) {
        ui_message(p->ui, 0, "%s has no near-duplicates grouped under it", a->id);
        return PANE_HANDLED;
    }
    toggle_expanded(st, head);
    p->list.sel_id = head;
    p->list.has_sel = 1;
    p->list.moved = 1;
    p->gen++;
    return PANE_HANDLED | PANE_REDRAW;
}

static const PaneKey security_keys[] = {
    {{'T', 'F', 'E'}, "T F E",
     "verdict TP / FP / ESCALATE on the selected alert (asks confidence, note)", key_verdict},
    {{'R'}, "R", "run a response action on the alert's first IP (a list of the actions)",
     key_respond},
    {{' '}, "Space", "open or close a group of near-duplicates (+N)", key_group},
    {{0}, NULL, NULL, NULL},
};

static void security_free(void *state)
{
    SecState *st = state;
    if (!st)
        return;
    det_clear(st);
    secalerts_free_list(st->rows, st->n);
    free(st);
}

static const PaneOps security_ops = {
    .title = "Security",
    .tab = "Security",
    .draw = draw,
    .keys = security_keys,
    .draw_detail = draw_detail,
    .destroy = security_free,
    .rebuild = rebuild,
    .match = match,
    .empty = "No security alerts. POST /api/ingestion/raw, the Alertmanager webhook "
             "(/api/ingest/alertmanager) or the syslog listener bring them in.",
};

Pane *pane_security_new(Ui *ui) { return pane_new(&security_ops, xcalloc(1, sizeof(SecState)), ui); }

/* The Alerts pane's Enter on an escalation: this pane, that alert's detail. */
void pane_security_show(Ui *ui, const char *alert_id)
{
    for (int i = 0; i < ui->npanes; i++) {
        Pane *p = ui->panes[i];
        if (p->ops != &security_ops)
            continue;
        SecState *st = p->state;
        strlcpy_(st->jump_id, alert_id, sizeof st->jump_id);
        st->stale = 1;
        p->gen++;
        ui_show_pane(ui, i);
        return;
    }
}


/* Move the escalated ones of rows[0..n) to out[*m..], without repeats;
 * free the rest. */
static void take_escalated(SecAlert *rows, int n, int threshold, SecAlert *out, int *m)
{
    for (int i = 0; i < n; i++) {
        int dup = 0;
        for (int k = 0; k < *m && !dup; k++)
            dup = out[k].seq == rows[i].seq;
        if (!dup && keep_escalated(&rows[i], threshold))
            out[(*m)++] = rows[i];
        else
            secalerts_free(&rows[i]);
    }
    free(rows);
}

static int seq_desc(const void *x, const void *y)
{
    const SecAlert *a = x, *b = y;
    return a->seq < b->seq ? 1 : a->seq > b->seq ? -1 : 0;
}

int pane_security_escalations(Ui *ui, SecAlert **out)
{
    Store *db = ui_store(ui);
    SecThresholds th;
    *out = NULL;
    if (!db || secalerts_thresholds(db, &th) < 0)
        return 0;
    /* routed to a verdict (the escalation threshold is above the triage
     * one), and the newest open ones (an ESCALATE verdict opens an
     * incident whatever the route) */
    SecFilter fv = {.route = "verdict", .min_severity_id = -1, .open_only = 1, .heads_only = 1,
                    .limit = 100};
    SecFilter fa = {.min_severity_id = -1, .open_only = 1, .heads_only = 1, .limit = 300};
    SecAlert *rv = NULL, *ra = NULL;
    int nv = 0, na = 0;
    if (secalerts_list(db, &fv, &rv, &nv, NULL) < 0)
        nv = 0, rv = NULL;
    if (secalerts_list(db, &fa, &ra, &na, NULL) < 0)
        na = 0, ra = NULL;
    SecAlert *res = xcalloc((size_t)(nv + na + 1), sizeof *res);
    int m = 0;
    take_escalated(rv, nv, th.escalation_threshold, res, &m);
    take_escalated(ra, na, th.escalation_threshold, res, &m);
    if (!m) {
        free(res);
        return 0;
    }
    qsort(res, (size_t)m, sizeof *res, seq_desc);
    *out = res;
    return m;
}
