/* tui — see tui.h.
 *
 * DESIGN: one loop on the main thread. It sleeps in poll() on three
 * descriptors: the terminal, the snapshot source's wake descriptor and a
 * signalfd (quit signals, SIGWINCH), with a timeout to the next whole
 * second for the clock. Every event only marks parts of the frame dirty
 * (tab bar, body, status bar, message line); at the end of an iteration
 * the dirty parts are drawn into their windows, wnoutrefresh'ed, and one
 * doupdate() sends the difference to the terminal, so an idle console
 * costs one status-bar repaint per second and a keypress repaints one
 * window.
 *
 * SNAPSHOTS: the console holds one reference to the newest Snapshot and
 * one to the newest SnapMetrics. It never publishes: the engine thread is
 * the one publisher (snapshot.h). Its first frame comes from a snapshot
 * it builds for itself (the source may have none yet: the engine's first
 * tick runs the probes first), which the first published one replaces.
 * After a write of its own it asks the source for a new snapshot
 * (ui_after_write) and takes it when it arrives, as it takes any newer
 * one (snapshot_newer: by the data's version, never by clock).
 *
 * The terminal (curses, crash-safe restore) is tty.c; the prompts are
 * prompt.c; keys keys.c; the frame frame.c; the `:` commands actions.c.
 */
#include "tui_priv.h"
#include "store/store.h"
#include "layout.h"
#include "tty.h"
#include "theme.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Alerts in the console's own first snapshot: a screenful and more; the
 * rest comes with the first published one (snapshot_build_capped). */
#define UI_FIRST_ALERTS 500

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int is_primary(const Ui *ui)
{
    return ui->opts.is_primary ? ui->opts.is_primary(ui->opts.ctx) : 0;
}

/* ---- the Ui services panes use ------------------------------------------- */

Store *ui_store(Ui *ui) { return ui->st; }
const char *ui_actor(Ui *ui) { return ui->actor; }
const SnapMetrics *ui_metrics(Ui *ui) { return ui->metrics; }
int64_t ui_selected_service(Ui *ui) { return ui->selected_service; }
void ui_select_service(Ui *ui, int64_t id) { ui->selected_service = id; }

void ui_message(Ui *ui, int error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ui->msg, sizeof ui->msg, fmt, ap);
    va_end(ap);
    ui->msg_err = error;
    ui->dirty |= DIRTY_MSG;
}

void ui_show_pane(Ui *ui, int i)
{
    if (i < 0 || i >= ui->npanes)
        return;
    ui->cur = i;
    ui->help = 0;
    ui->dirty |= DIRTY_TABS | DIRTY_BODY;
}

const char *ui_write_error(Ui *ui, const char *err)
{
    if (store_readonly_why(ui->st, ui->write_err, sizeof ui->write_err))
        return ui->write_err;
    return err;
}

void ui_after_write(Ui *ui, int evaluate)
{
    const SnapshotSource *src = &ui->opts.source;
    if (src->request)
        src->request(src->ctx, evaluate);
}

/* ---- snapshots from the source -------------------------------------------- */

/* Take s (a reference) when it is newer than the one shown; else drop it. */
static void offer_snapshot(Ui *ui, Snapshot *s)
{
    if (!snapshot_newer(s, ui->snap)) {
        snapshot_unref(s);
        return;
    }
    snapshot_unref(ui->snap);
    ui->snap = s;
    ui->dirty |= DIRTY_BODY | DIRTY_STATUS | DIRTY_TABS;
}

static void offer_metrics(Ui *ui, SnapMetrics *m)
{
    if (!m || m == ui->metrics) {
        snap_metrics_unref(m);
        return;
    }
    snap_metrics_unref(ui->metrics);
    ui->metrics = m;
    if ((ui->panes[ui->cur]->ops->flags & PANE_WANTS_METRICS) && !ui->help)
        ui->dirty |= DIRTY_BODY;
}

/* The wake descriptor is readable: whatever is new. */
static void take_updates(Ui *ui)
{
    const SnapshotSource *src = &ui->opts.source;
    if (!src->acquire)
        return;
    src->drain(src->ctx);
    offer_snapshot(ui, src->acquire(src->ctx));
    offer_metrics(ui, src->acquire_metrics(src->ctx));
}

/* Once a second: say in the message line when this console's role
 * changes. It becomes the engine when the engine went away; it stops
 * being the engine only when the headless service asked for the role
 * back (N2: engine.c hands it over). The engine publishes a snapshot
 * with the new role itself. */
static void watch_role(Ui *ui)
{
    int primary = is_primary(ui);
    if (primary == ui->was_primary)
        return;
    ui->was_primary = primary;
    if (primary)
        ui_message(ui, 0, "The engine stopped: this console is now the ENGINE (checks and "
                   "notifications run here).");
    else
        ui_message(ui, 0, "Handed the engine role back to the headless engine: this "
                   "console is a VIEWER now");
    ui->dirty |= DIRTY_STATUS;
}

/* ---- windows and painting ----------------------------------------------- */

static void layout_windows(Ui *ui)
{
    getmaxyx(stdscr, ui->rows, ui->cols);
    WINDOW **ws[] = {&ui->tabw, &ui->bodyw, &ui->statw, &ui->msgw};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++)
        if (*ws[i]) {
            delwin(*ws[i]);
            *ws[i] = NULL;
        }
    ui->too_small = layout_too_small(ui->cols, ui->rows);
    if (ui->too_small)
        return;
    ui->tabw = newwin(1, ui->cols, 0, 0);
    ui->bodyw = newwin(ui->rows - 3, ui->cols, 1, 0);
    ui->statw = newwin(1, ui->cols, ui->rows - 2, 0);
    ui->msgw = newwin(1, ui->cols, ui->rows - 1, 0);
}

static void draw_body(Ui *ui)
{
    WINDOW *w = ui->bodyw;
    int h = getmaxy(w), width = getmaxx(w);
    werase(w);
    if (ui->help) {
        keys_draw_help(ui, w);
        return;
    }
    if (ui->kill_panel && ui->prompt == PROMPT_KEY) {
        actions_draw_kill_panel(ui, w);
        return;
    }
    Pane *p = ui->panes[ui->cur];
    if (!ui->snap) {
        pane_draw_center(w, h / 2, "Loading the first snapshot...", theme_attr(TH_DIM));
        return;
    }
    pane_sync(p, ui->snap);
    int left, right;
    if (p->ops->draw_detail && layout_split(width, &left, &right)) {
        WINDOW *l = derwin(w, h, left, 0, 0);
        WINDOW *r = derwin(w, h, right, 0, left + 1);
        if (l && r) {
            p->ops->draw(p, l, ui->snap);
            wattrset(w, theme_attr(TH_BORDER));
            for (int y = 0; y < h; y++)
                mvwaddstr(w, y, left, theme_glyphs()->vline);
            wattrset(w, A_NORMAL);
            p->ops->draw_detail(p, r, ui->snap);
        }
        if (l)
            delwin(l);
        if (r)
            delwin(r);
    } else if (p->detail && p->ops->draw_detail) {
        p->ops->draw_detail(p, w, ui->snap);
    } else {
        p->ops->draw(p, w, ui->snap);
    }
}

static void draw_too_small(Ui *ui)
{
    werase(stdscr);
    char line[96];
    snprintf(line, sizeof line, "Terminal too small: %dx%d", ui->cols, ui->rows);
    pane_draw_center(stdscr, ui->rows / 2 - 1 > 0 ? ui->rows / 2 - 1 : 0, line, A_BOLD);
    snprintf(line, sizeof line, "resops needs %dx%d; q quits", LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS);
    pane_draw_center(stdscr, ui->rows / 2 > 0 ? ui->rows / 2 : 0, line, A_NORMAL);
    wnoutrefresh(stdscr);
}

static void paint(Ui *ui)
{
    if (ui->dirty & DIRTY_LAYOUT) {
        layout_windows(ui);
        ui->dirty |= DIRTY_ALL;
        clearok(curscr, TRUE);
    }
    if (ui->too_small) {
        draw_too_small(ui);
    } else {
        if (ui->dirty & DIRTY_TABS) {
            werase(ui->tabw);
            frame_draw_tabs(ui);
            wnoutrefresh(ui->tabw);
        }
        if (ui->dirty & DIRTY_BODY) {
            draw_body(ui);
            wnoutrefresh(ui->bodyw);
        }
        if (ui->dirty & DIRTY_STATUS) {
            werase(ui->statw);
            frame_draw_status(ui);
            wnoutrefresh(ui->statw);
        }
        if (ui->dirty & DIRTY_MSG) {
            werase(ui->msgw);
            frame_draw_message(ui);
            wnoutrefresh(ui->msgw);
        }
    }
    doupdate();
    ui->dirty = 0;
}

/* ---- input ---------------------------------------------------------------- */

static void handle_key(Ui *ui, int key)
{
    if (key == (UI_KEY_FN | KEY_RESIZE)) {
        ui->dirty |= DIRTY_LAYOUT;
        return;
    }
    /* Too small: nothing is visible, so nothing takes keys, an open
     * prompt included (B22); q still quits. */
    if (ui->too_small) {
        if (key == 'q')
            ui->quit = 1;
        return;
    }
    if (ui->prompt) {
        prompt_key(ui, key);
        return;
    }
    if (ui->msg[0]) {
        ui->msg[0] = '\0';
        ui->dirty |= DIRTY_MSG;
    }
    if (ui->help) {
        keys_help_key(ui, key);
        return;
    }
    keys_dispatch(ui, key);
}

/* Read every pending key. Returns the number read. */
static int read_keys(Ui *ui, WINDOW *in)
{
    int n = 0;
    for (;;) {
        wint_t wch;
        int r = wget_wch(in, &wch);
        if (r == ERR)
            break;
        n++;
        handle_key(ui, r == KEY_CODE_YES ? (int)(UI_KEY_FN | (int)wch) : (int)wch);
        /* Durable answers (issue 13): what the key changed is on disk
         * before its confirmation is drawn (one WAL fsync, shared with
         * the listener's answers; nothing when it wrote nothing). */
        if (store_sync_answer(ui->st) < 0)
            ui_message(ui, 1, "the change is stored but could not be written to disk (fsync "
                              "failed): it may not survive a power cut");
        if (ui->quit)
            break;
    }
    return n;
}

static void resize_from_tty(Ui *ui)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    ui->dirty |= DIRTY_LAYOUT;
}

/* Drains the signalfd: resizes on SIGWINCH; reloads on SIGHUP while the
 * terminal answers (a hangup makes every terminal call fail with EIO, so
 * tcgetattr tells a `kill -HUP` from a closed terminal); returns the last
 * other signal (a reason to quit), or 0. */
static int read_signals(Ui *ui)
{
    int quit_signal = 0;
    struct signalfd_siginfo si;
    struct termios t;
    while (read(ui->sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if ((int)si.ssi_signo == SIGWINCH)
            resize_from_tty(ui);
        else if ((int)si.ssi_signo == SIGHUP && ui->opts.reload &&
                 tcgetattr(STDIN_FILENO, &t) == 0)
            ui->opts.reload(ui->opts.reload_ctx);
        else
            quit_signal = (int)si.ssi_signo;
    }
    return quit_signal;
}

/* The terminal is readable: the keys, then a paint at once (and its time
 * for RESOPS_TUI_TIMING). -1 at the end of input (a closed terminal). */
static int take_input(Ui *ui, short revents)
{
    int64_t t0 = mono_us();
    int n = read_keys(ui, ui->in);
    if (n == 0) {
        /* readable but no key: end of input after a few in a row */
        if ((revents & (POLLHUP | POLLERR | POLLNVAL)) || ++ui->idle_eof >= 3)
            return -1;
        return 0;
    }
    ui->idle_eof = 0;
    if (ui->dirty)
        paint(ui);
    if (ui->timing)
        fprintf(ui->timing, "key_us %lld\n", (long long)(mono_us() - t0));
    return 0;
}

/* Paints the dirty parts, noting the first frame with data; once it is
 * up, a first snapshot cut short asks for the whole one. */
static void paint_timed(Ui *ui)
{
    paint(ui);
    if (ui->first_frame_ms < 0 && ui->snap) {
        ui->first_frame_ms = util_mono_ms() - ui->opts.started_ms;
        if (ui->timing)
            fprintf(ui->timing, "first_frame_ms %lld\n", (long long)ui->first_frame_ms);
        log_info("tui: first frame %lld ms after start", (long long)ui->first_frame_ms);
    }
    if (ui->snap && ui->snap->partial && !ui->asked_whole) {
        ui->asked_whole = 1;
        ui_after_write(ui, 0);
    }
}

/* Milliseconds to just past the next whole second (the clock). */
static int ms_to_next_second(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return 1000 - (int)(ts.tv_nsec / 1000000) + 5;
}

/* ---- start / loop / stop --------------------------------------------------- */

static void who_am_i(char *buf, size_t size)
{
    struct passwd pw, *res = NULL;
    char tmp[1024];
    if (getpwuid_r(getuid(), &pw, tmp, sizeof tmp, &res) == 0 && res && res->pw_name[0]) {
        strlcpy_(buf, res->pw_name, size);
        return;
    }
    const char *u = getenv("USER");
    strlcpy_(buf, u && *u ? u : "console", size);
}

/* The first snapshot: the source's when it has one already (a viewer's
 * engine publishes at once), else one of our own, cut to
 * UI_FIRST_ALERTS alerts, so the first frame waits for no tick. */
static void first_snapshot(Ui *ui)
{
    const SnapshotSource *src = &ui->opts.source;
    int64_t t_snap = util_mono_ms();
    ui->was_primary = is_primary(ui);
    ui->snap = src->acquire ? src->acquire(src->ctx) : NULL;
    if (!ui->snap)
        ui->snap = snapshot_build_capped(ui->st, ui->was_primary, 0, UI_FIRST_ALERTS);
    if (ui->timing)
        fprintf(ui->timing, "start_to_tui_ms %lld\nfirst_snapshot_ms %lld\n",
                (long long)(t_snap - ui->opts.started_ms), (long long)(util_mono_ms() - t_snap));
    if (src->acquire_metrics)
        ui->metrics = src->acquire_metrics(src->ctx);
}

static void ui_free(Ui *ui)
{
    if (ui->timing)
        fclose(ui->timing);
    snapshot_unref(ui->snap);
    snap_metrics_unref(ui->metrics);
    store_close(ui->st);
    free(ui);
}

/* The Ui with its own Store (every audit row it writes names the login
 * user, B4), the RESOPS_TUI_TIMING file and the first snapshot. 0 and
 * *out, or store_open's error. */
static int ui_new(const TuiOpts *opts, Ui **out, char *err, size_t errsz)
{
    Ui *ui = xcalloc(1, sizeof *ui);
    ui->opts = *opts;
    ui->sfd = -1;
    ui->first_frame_ms = -1;
    who_am_i(ui->actor, sizeof ui->actor);
    cmdline_load(ui);
    int rc = store_open(opts->db_path, &ui->st, err, errsz);
    if (rc < 0) {
        free(ui);
        return rc;
    }
    store_set_actor(ui->st, ui->actor);
    const char *tpath = getenv("RESOPS_TUI_TIMING");
    if (tpath && *tpath && (ui->timing = fopen(tpath, "w")) != NULL)
        setvbuf(ui->timing, NULL, _IOLBF, 0);     /* the benchmark reads it live */
    first_snapshot(ui);
    *out = ui;
    return 0;
}

/* Start: the Ui, curses, the input pad, the signalfd, one pane of each
 * row of the pane list. 0 and *out, or a negative errno with err. */
static int tui_start(const TuiOpts *opts, Ui **out, char *err, size_t errsz)
{
    Ui *ui = NULL;
    int rc = tui_check_terminal(err, errsz);
    if (rc == 0)
        rc = ui_new(opts, &ui, err, errsz);
    if (rc < 0)
        return rc;
    ui->scr = tty_start(err, errsz);
    if (!ui->scr) {
        ui_free(ui);
        return -ENOTTY;
    }
    ui->in = newpad(1, 1);
    keypad(ui->in, TRUE);
    nodelay(ui->in, TRUE);
    if (opts->signals) {
        pthread_sigmask(SIG_BLOCK, opts->signals, NULL);
        ui->sfd = signalfd(-1, opts->signals, SFD_NONBLOCK | SFD_CLOEXEC);
    }
    ui->npanes = panes_count();
    ui->panes = xcalloc((size_t)ui->npanes, sizeof *ui->panes);
    for (int i = 0; i < ui->npanes; i++)
        ui->panes[i] = panes_def(i)->make(ui);
    ui->dirty = DIRTY_ALL | DIRTY_LAYOUT;
    *out = ui;
    return 0;
}

/* The loop: until quit, a quitting signal (returned) or end of input. */
static int tui_loop(Ui *ui)
{
    const SnapshotSource *src = &ui->opts.source;
    int quit_signal = 0;
    int64_t last_sec = -1;
    while (!ui->quit && !quit_signal) {
        int64_t now = util_now();
        if (now != last_sec) {              /* the clock, and the role */
            last_sec = now;
            ui->dirty |= DIRTY_STATUS;
            watch_role(ui);
        }
        if (ui->dirty)
            paint_timed(ui);
        struct pollfd pfd[3] = {
            {.fd = STDIN_FILENO, .events = POLLIN},
            {.fd = src->wake_fd ? src->wake_fd(src->ctx) : -1, .events = POLLIN},
            {.fd = ui->sfd, .events = POLLIN},
        };
        int pr = poll(pfd, 3, ms_to_next_second());
        if (pr < 0 && errno != EINTR)
            break;
        if (pr <= 0)
            continue;
        if (pfd[2].revents & POLLIN)
            quit_signal = read_signals(ui);
        if (!quit_signal && (pfd[1].revents & POLLIN))
            take_updates(ui);
        if (!quit_signal && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) &&
            take_input(ui, pfd[0].revents) < 0)
            break;
    }
    return quit_signal;
}

/* Stop: cancel an open prompt (its argument is freed), free the panes
 * and windows, end curses, free the Ui. */
static void tui_stop(Ui *ui)
{
    prompt_cancel(ui);
    if (ui->sfd >= 0)
        close(ui->sfd);
    for (int i = 0; i < ui->npanes; i++)
        pane_free(ui->panes[i]);
    free(ui->panes);
    WINDOW *ws[] = {ui->tabw, ui->bodyw, ui->statw, ui->msgw, ui->in};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++)
        if (ws[i])
            delwin(ws[i]);
    tty_stop(ui->scr);
    ui_free(ui);
}

int tui_run(const TuiOpts *opts, char *err, size_t errsz)
{
    Ui *ui = NULL;
    int rc = tui_start(opts, &ui, err, errsz);
    if (rc < 0 || !ui)
        return rc < 0 ? rc : -EINVAL;
    rc = tui_loop(ui);
    tui_stop(ui);
    return rc;
}
