/* export — see export.h.
 *
 * What "selected" means, by the pane on screen:
 *   Incidents           the incident under the cursor;
 *   SLA Breaches        the downtime the breach under the cursor belongs to
 *                       (the service's downtime that starts when it does);
 *   Services, Health    the newest downtime of the service under the cursor.
 * The file is created with O_EXCL unless forced, so nothing is overwritten
 * without `:export!`; it is written whole or removed. */
#include "export.h"
#include "tui_priv.h"
#include "domain/timeline.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The downtime of service sid that starts at start (0: the newest). */
static int64_t downtime_of(const Snapshot *s, int64_t sid, int64_t start)
{
    const SnapService *v = snapshot_find_service(s, sid);
    for (int i = v ? v->ndowntimes - 1 : -1; i >= 0; i--)
        if (!start || v->downtimes[i].start_time == start)
            return v->downtimes[i].id;
    return 0;
}

/* The one answer when there is nothing to export, whatever the pane. */
static void say_select(Ui *ui)
{
    ui_message(ui, 1, ":export: select an incident (Incidents), a breach (SLA Breaches) "
                      "or a service (Services, Health) first");
}

/* The Markdown of the selection (malloc'd) and what it is, or NULL with
 * the message said. */
static char *selected_md(Ui *ui, char *what, size_t size)
{
    const Snapshot *s = ui->snap;
    Pane *p = ui->npanes ? ui->panes[ui->cur] : NULL;
    int cur = p ? pane_list_current(&p->list) : -1;
    const char *title = p ? p->ops->title : "";
    char err[256] = "";
    char *md = NULL;
    int64_t sid = 0, did = 0;
    int r = -ENOENT;
    if (!s || cur < 0) {
        say_select(ui);
        return NULL;
    }
    if (!strcmp(title, "Incidents") && cur < s->nincidents) {
        const char *id = s->incidents[cur].incident_id;
        snprintf(what, size, "incident %s", id);
        r = timeline_incident_md(ui->st, id, util_now(), &md, err, sizeof err);
    } else {
        if (!strcmp(title, "SLA Breaches") && cur < s->nbreaches) {
            sid = s->breaches[cur].service_id;
            did = downtime_of(s, sid, s->breaches[cur].start_time);
        } else if ((!strcmp(title, "Services") || !strcmp(title, "Health")) &&
                   cur < s->nservices) {
            sid = s->services[cur].id;
            did = downtime_of(s, sid, 0);
        } else {
            say_select(ui);
            return NULL;
        }
        if (!did) {
            ui_message(ui, 1, ":export: no downtime of that service to export (last %d days)",
                       SNAPSHOT_DOWNTIME_DAYS);
            return NULL;
        }
        snprintf(what, size, "downtime #%lld", (long long)did);
        r = timeline_downtime_md(ui->st, sid, did, util_now(), &md, err, sizeof err);
    }
    if (r < 0) {
        ui_message(ui, 1, ":export: %s: %s", what, err);
        return NULL;
    }
    return md;
}

/* Write md to path: 0, or -errno (-EEXIST when it exists, not forced). */
static int write_file(const char *path, const char *md, int force)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0644);
    if (fd < 0)
        return -errno;
    size_t len = strlen(md), off = 0;
    while (off < len) {
        ssize_t n = write(fd, md + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            close(fd);
            unlink(path);
            return -e;
        }
        off += (size_t)n;
    }
    return close(fd) < 0 ? -errno : 0;
}

void export_command(Ui *ui, char *args, int force)
{
    char *path = args;
    while (isspace((unsigned char)*path))
        path++;
    size_t n = strlen(path);
    while (n && isspace((unsigned char)path[n - 1]))
        path[--n] = '\0';
    if (!*path) {
        ui_message(ui, 1, "usage: :export FILE (:export! FILE overwrites)");
        return;
    }
    char what[96];
    char *md = selected_md(ui, what, sizeof what);
    if (!md)
        return;
    int r = write_file(path, md, force);
    if (r == -EEXIST)
        ui_message(ui, 1, ":export: %s exists; :export! %s overwrites it", path, path);
    else if (r < 0)
        ui_message(ui, 1, ":export: cannot write %s: %s", path, strerror(-r));
    else
        ui_message(ui, 0, "Exported the timeline of %s to %s (%zu bytes)", what, path,
                   strlen(md));
    free(md);
}
