/* timeline — see timeline.h.
 *
 * How it works: one read transaction; the header from the incident or
 * downtime row, the entries from oncall_repo_timeline() (every source in
 * one query), sorted by time (stable: a source's own order is kept within
 * a second), then printed as a Markdown table with '|' escaped and line
 * breaks flattened so a detail can never break the table. */
#include "domain/timeline.h"
#include "domain/errors.h"
#include "domain/service_health.h"
#include "store/incident_repo.h"
#include "store/oncall_repo.h"
#include "store/service_repo.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Header {
    const char *title;
    int64_t     service_id;
    int64_t     start, end;            /* end 0 = ongoing */
    int64_t     downtime_start;        /* a downtime's: its later SLA breaches; 0 none */
    const char *extra;                 /* more "- **X:** y" lines, may be NULL */
} Header;

static void utc(int64_t t, char *buf, size_t size)
{
    char s[32];
    util_iso8601(t, s, sizeof s);
    snprintf(buf, size, "%sZ", s);
}

/* A table cell: '|' escaped, CR/LF as spaces. */
static void cell(StrBuf *b, const char *s)
{
    char c[2] = {0, 0};
    for (; s && *s; s++) {
        if (*s == '|')
            strbuf_append(b, "\\|");
        else {
            c[0] = *s == '\n' || *s == '\r' ? ' ' : *s;
            strbuf_append(b, c);
        }
    }
}

static int by_time(const void *a, const void *b)
{
    const TimelineRow *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static int render(Store *st, const Header *h, const char *incident_id, int64_t now, char **out)
{
    char name[256] = "", runbook[RUNBOOK_URL_MAX + 1] = "", t[40], dur[64];
    if (h->service_id && (service_repo_name(st, h->service_id, name, sizeof name) < 0 ||
                          oncall_repo_runbook_get(st, h->service_id, runbook, sizeof runbook) < 0))
        return -EIO;
    TimelineRow *rows = NULL;
    int64_t end = h->end ? h->end : now;
    int n = oncall_repo_timeline(st, h->service_id, incident_id, h->start, end,
                                 h->downtime_start, &rows);
    if (n < 0)
        return -EIO;
    /* equal times keep the query's order (seq) */
    if (n > 1)
        qsort(rows, (size_t)n, sizeof *rows, by_time);
    StrBuf b = {0};
    strbuf_append(&b, "# ");
    cell(&b, h->title);
    strbuf_append(&b, "\n\n- **Service:** ");
    if (h->service_id) {
        cell(&b, name[0] ? name : "(deleted)");
        strbuf_appendf(&b, " (id %lld)", (long long)h->service_id);
    } else {
        strbuf_append(&b, "none");
    }
    utc(h->start, t, sizeof t);
    strbuf_appendf(&b, "\n- **Start:** %s\n", t);
    if (h->end)
        utc(h->end, t, sizeof t);
    strbuf_appendf(&b, "- **End:** %s\n", h->end ? t : "ongoing");
    service_health_format_duration(end - h->start, dur, sizeof dur);
    strbuf_appendf(&b, "- **Duration:** %s%s\n", dur, h->end ? "" : " (so far)");
    if (runbook[0])
        strbuf_appendf(&b, "- **Runbook:** %s\n", runbook);
    if (h->extra)
        strbuf_append(&b, h->extra);
    strbuf_appendf(&b, "\n## Timeline\n\n%d entr%s, oldest first.\n\n"
                       "| Time (UTC) | Who | What |\n|---|---|---|\n", n, n == 1 ? "y" : "ies");
    for (int i = 0; i < n; i++) {
        utc(rows[i].at, t, sizeof t);
        strbuf_appendf(&b, "| %s | ", t);
        cell(&b, rows[i].who);
        strbuf_append(&b, " | ");
        cell(&b, rows[i].what);
        strbuf_append(&b, " |\n");
    }
    timeline_rows_free(rows, n);
    *out = b.s;
    return 0;
}

int timeline_incident_md(Store *st, const char *incident_id, int64_t now, char **out, char *err,
                         size_t errsz)
{
    if (store_begin_read(st) < 0)
        goto io;
    IncidentRec in;
    int r = incident_repo_get(st, incident_id, &in);
    if (r <= 0) {
        store_end_read(st);
        if (r < 0)
            goto io;
        snprintf(err, errsz, "Incident not found");
        return -ENOENT;
    }
    char title[400];
    char *extra = xasprintf("- **Incident:** %s (%s, %s priority, state %s%s%s)\n",
                            in.incident_id, in.category, in.priority, in.state,
                            in.state_reason ? ": " : "", in.state_reason ? in.state_reason : "");
    snprintf(title, sizeof title, "Postmortem: %s", in.title);
    Header h = {title, in.service_id, in.created_at, in.resolved_at, 0, extra};
    r = render(st, &h, in.incident_id, now, out);
    free(extra);
    incident_rec_free(&in);
    store_end_read(st);
    if (r == 0)
        return 0;
io:
    snprintf(err, errsz, DOMAIN_IO_ERROR);
    return -EIO;
}

int timeline_downtime_md(Store *st, int64_t service_id, int64_t downtime_id, int64_t now,
                         char **out, char *err, size_t errsz)
{
    if (store_begin_read(st) < 0)
        goto io;
    char name[256];
    DowntimeRow d;
    int r = service_repo_name(st, service_id, name, sizeof name);
    if (r > 0) {
        int g = oncall_repo_downtime_get(st, service_id, downtime_id, &d);
        r = g < 0 ? -EIO : g ? 1 : 2;
    }
    if (r != 1) {
        store_end_read(st);
        if (r < 0)
            goto io;
        snprintf(err, errsz, r == 0 ? "Service not found" : "Downtime not found");
        return -ENOENT;
    }
    char title[400];
    snprintf(title, sizeof title, "Postmortem: %s downtime #%lld", name, (long long)downtime_id);
    char *extra = xasprintf("- **Reason:** %s\n", d.reason[0] ? d.reason : "not given");
    Header h = {title, service_id, d.start_time, d.end_time, d.start_time, extra};
    r = render(st, &h, NULL, now, out);
    free(extra);
    store_end_read(st);
    if (r == 0)
        return 0;
io:
    snprintf(err, errsz, DOMAIN_IO_ERROR);
    return -EIO;
}
