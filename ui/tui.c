/* tui — see tui.h.
 *
 * DESIGN: one loop on the main thread. It sleeps in poll() on three
 * descriptors: the terminal, the snapshot box's wake pipe and a signalfd
 * (quit signals, SIGWINCH), with a timeout to the next whole second for
 * the clock. Every event only marks parts of the frame dirty (tab bar,
 * body, status bar, message line); at the end of an iteration the dirty
 * parts are drawn into their windows, wnoutrefresh'ed, and one doupdate()
 * sends the difference to the terminal, so an idle console costs one
 * status-bar repaint per second and a keypress repaints one window.
 *
 * The console holds one reference to the newest Snapshot and one to the
 * newest SnapMetrics. After a write of its own it builds a snapshot from
 * its own Store and publishes it in the box (so nothing older replaces
 * it), then wakes the engine (evaluation only, never probes).
 *
 * Terminal restore: endwin() on every normal path; for crashes the
 * terminfo strings that undo curses (rmcup, cnorm, sgr0, rmkx) and the
 * original termios are saved at start, and a fatal-signal handler and
 * util's emergency hook write them with async-signal-safe calls before
 * the default action (or ASan's handler) runs.
 */
#include "tui_priv.h"
#include "layout.h"
#include "theme.h"
#include "log.h"
#include "util.h"
#include "store/audit_repo.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
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
#include <term.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

/* ---- crash-safe terminal restore ----------------------------------------- */

static char restore_seq[256];
static size_t restore_len;
static struct termios saved_tio;
static int tio_saved;
static volatile sig_atomic_t curses_on;

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static struct sigaction old_actions[sizeof fatal_signals / sizeof fatal_signals[0]];

static void emergency_restore(void)
{
    if (!curses_on)
        return;
    curses_on = 0;
    if (restore_len) {
        ssize_t w = write(STDOUT_FILENO, restore_seq, restore_len);
        (void)w;
    }
    if (tio_saved)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

static void on_fatal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    emergency_restore();
    /* A real fault returns, re-executes and meets the previous handler
     * (the sanitizer's report, or the default core dump). A signal sent
     * by someone else, or abort(), is raised again with the default
     * action, so the process dies of it whichever thread took it. */
    if (sig == SIGABRT || si->si_code <= 0) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        if (fatal_signals[i] == sig)
            sigaction(sig, &old_actions[i], NULL);
}

static void save_restore_strings(void)
{
    static const char *const caps[] = {"sgr0", "cnorm", "rmkx", "rmcup"};
    restore_len = 0;
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        char *s = tigetstr(caps[i]);
        if (!s || s == (char *)-1)
            continue;
        size_t n = strlen(s);
        if (restore_len + n + 2 >= sizeof restore_seq)
            break;
        memcpy(restore_seq + restore_len, s, n);
        restore_len += n;
    }
    memcpy(restore_seq + restore_len, "\r\n", 2);
    restore_len += 2;
}

static void install_crash_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fatal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &sa, &old_actions[i]);
    util_set_emergency_hook(emergency_restore);
}

static void remove_crash_handlers(void)
{
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &old_actions[i], NULL);
    util_set_emergency_hook(NULL);
}

/* D5 (reliability review): with XON/XOFF flow control on, Ctrl-S froze
 * the screen until Ctrl-Q, with no hint. Turn IXON/IXOFF off for the
 * console (ISIG stays: Ctrl-C still quits) and make that curses' program
 * mode, so its own resets keep it; endwin() restores the shell mode saved
 * at newterm, and the crash path restores saved_tio. */
static void no_flow_control(void)
{
    struct termios t;
    if (tcgetattr(STDIN_FILENO, &t) < 0)
        return;
    t.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
        def_prog_mode();
}

/* Alerts in the first snapshot: a screenful and more; the rest follows
 * right after the first frame (snapshot_build_capped). */
#define UI_FIRST_ALERTS 500

/* ---- timing (RESOPS_TUI_TIMING=file: keypress-to-doupdate, first frame) -- */

typedef struct Timing {
    FILE    *f;
    int64_t  first_frame_ms;   /* -1 until the first frame with data */
} Timing;

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
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

static void ask(Ui *ui, int kind, const char *label, UiAnswerFn fn, void *arg)
{
    if (ui->prompt && ui->prompt_fn) {       /* one at a time: cancel the old one */
        UiAnswerFn old = ui->prompt_fn;
        ui->prompt = PROMPT_NONE;
        ui->prompt_fn = NULL;
        old(ui, ui->prompt_arg, NULL);
    }
    ui->prompt = kind;
    strlcpy_(ui->prompt_label, label, sizeof ui->prompt_label);
    ui->input[0] = '\0';
    ui->prompt_fn = fn;
    ui->prompt_arg = arg;
    ui->msg[0] = '\0';
    ui->dirty |= DIRTY_MSG;
}

void ui_confirm(Ui *ui, const char *q, UiAnswerFn fn, void *arg) { ask(ui, PROMPT_CONFIRM, q, fn, arg); }
void ui_prompt(Ui *ui, const char *label, UiAnswerFn fn, void *arg) { ask(ui, PROMPT_TEXT, label, fn, arg); }

void ui_show_pane(Ui *ui, int i)
{
    if (i < 0 || i >= ui->npanes)
        return;
    ui->cur = i;
    ui->help = 0;
    ui->dirty |= DIRTY_TABS | DIRTY_BODY;
}

static void set_snapshot(Ui *ui, Snapshot *s)
{
    if (!s)
        return;
    if (s == ui->snap) {
        snapshot_unref(s);
        return;
    }
    snapshot_unref(ui->snap);
    ui->snap = s;
    ui->dirty |= DIRTY_BODY | DIRTY_STATUS | DIRTY_TABS;
}

const char *ui_write_error(Ui *ui, const char *err)
{
    if (store_readonly_why(ui->st, ui->write_err, sizeof ui->write_err))
        return ui->write_err;
    return err;
}

void ui_after_write(Ui *ui, int wake)
{
    int primary = ui->opts.is_primary ? ui->opts.is_primary(ui->opts.ctx) : 0;
    Snapshot *s = snapshot_build(ui->st, primary, ui->snap ? ui->snap->tick_at : 0);
    if (s) {
        if (ui->opts.box)
            snapshot_box_publish(ui->opts.box, snapshot_ref(s));
        set_snapshot(ui, s);
    }
    if (wake && ui->opts.wake)
        ui->opts.wake(ui->opts.ctx);
}

/* Once a second: when another connection committed (a viewer console,
 * an API call) and this process holds the engine role, show it now. The
 * engine publishes only after its ticks (minutes apart); a viewer's
 * engine already rebuilds on data_version changes, so only the primary
 * console needs this. */
static void watch_database(Ui *ui)
{
    int64_t dv = store_data_version(ui->st);
    if (dv == ui->data_version)
        return;
    ui->data_version = dv;
    if (ui->opts.is_primary && ui->opts.is_primary(ui->opts.ctx))
        ui_after_write(ui, 0);
}

/* Once a second: say in the message line when this console's role
 * changes. It becomes the engine when the engine went away; it stops
 * being the engine only when the headless service asked for the role
 * back (N2: engine.c hands it over). */
static void watch_role(Ui *ui)
{
    int primary = ui->opts.is_primary ? ui->opts.is_primary(ui->opts.ctx) : 0;
    if (primary == ui->was_primary)
        return;
    ui->was_primary = primary;
    if (primary)
        ui_message(ui, 0, "The engine went away: this console is the ENGINE now "
                   "(checks, alerts, playbooks; no API)");
    else
        ui_message(ui, 0, "Handed the engine role back to the headless engine: this "
                   "console is a VIEWER now");
    ui_after_write(ui, 0);
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

/* ---- prompts -------------------------------------------------------------- */

static void prompt_finish(Ui *ui, const char *answer)
{
    char copy[sizeof ui->input];
    if (answer)
        strlcpy_(copy, answer, sizeof copy);
    UiAnswerFn fn = ui->prompt_fn;
    void *arg = ui->prompt_arg;
    ui->prompt = PROMPT_NONE;
    ui->prompt_fn = NULL;
    ui->prompt_arg = NULL;
    ui->dirty |= DIRTY_MSG | DIRTY_BODY | DIRTY_STATUS;
    if (fn)
        fn(ui, arg, answer ? copy : NULL);
}

static void prompt_key(Ui *ui, int key)
{
    ui->dirty |= DIRTY_MSG;
    if (ui->prompt == PROMPT_CONFIRM) {
        if (key == 'y' || key == 'Y')
            prompt_finish(ui, "y");
        else if (key == 'n' || key == 'N' || key == UI_KEY_ESC || key == UI_KEY_ENTER ||
                 key == '\n' || key == 'q')
            prompt_finish(ui, NULL);
        return;
    }
    size_t len = strlen(ui->input);
    if (key == UI_KEY_ENTER || key == '\n' || key == (UI_KEY_FN | KEY_ENTER)) {
        prompt_finish(ui, ui->input);
    } else if (key == UI_KEY_ESC || key == 7 /* ^G */) {
        prompt_finish(ui, NULL);
    } else if (key == (UI_KEY_FN | KEY_BACKSPACE) || key == 127 || key == 8) {
        if (!len) {
            prompt_finish(ui, NULL);      /* backspace on empty cancels, like vim */
            return;
        }
        while (len > 0 && ((unsigned char)ui->input[len - 1] & 0xc0) == 0x80)
            len--;
        ui->input[len ? len - 1 : 0] = '\0';
    } else if (key == 21 /* ^U */) {
        ui->input[0] = '\0';
    } else if (key == 23 /* ^W */) {
        while (len > 0 && ui->input[len - 1] == ' ')
            len--;
        while (len > 0 && ui->input[len - 1] != ' ')
            len--;
        ui->input[len] = '\0';
    } else if (key >= 32 && key < UI_KEY_FN && key != 127) {
        char mb[8];
        mbstate_t ps;
        memset(&ps, 0, sizeof ps);
        size_t n = wcrtomb(mb, (wchar_t)key, &ps);
        if (n != (size_t)-1 && len + n + 1 < sizeof ui->input) {
            memcpy(ui->input + len, mb, n);
            ui->input[len + n] = '\0';
        }
    }
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

/* Read every pending key. Returns the number read, -1 at end of input. */
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

static void take_updates(Ui *ui)
{
    if (!ui->opts.box)
        return;
    snapshot_box_drain(ui->opts.box);
    Snapshot *s = snapshot_box_acquire(ui->opts.box);
    if (s && ui->snap && s != ui->snap && s->built_at < ui->snap->built_at) {
        snapshot_unref(s);          /* an older one than ours: keep ours */
        s = NULL;
    }
    set_snapshot(ui, s);
    SnapMetrics *m = snapshot_box_acquire_metrics(ui->opts.box);
    if (m && m != ui->metrics) {
        snap_metrics_unref(ui->metrics);
        ui->metrics = m;
        if ((ui->panes[ui->cur]->ops->flags & PANE_WANTS_METRICS) && !ui->help)
            ui->dirty |= DIRTY_BODY;
    } else {
        snap_metrics_unref(m);
    }
}

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

int tui_check_terminal(char *err, size_t errsz)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errsz, "the console needs a terminal (use --headless without one)");
        return -ENOTTY;
    }
    const char *term = getenv("TERM");
    if (!term || !*term) {
        snprintf(err, errsz, "TERM is not set; try TERM=xterm-256color");
        return -ENOTTY;
    }
    /* setupterm, not newterm: it allocates only the TERMINAL, which
     * del_curterm frees whatever the answer (newterm on an unknown TERM
     * left a SCREEN behind that nothing can free, B20) */
    int e = 0;
    if (setupterm(term, STDOUT_FILENO, &e) != OK) {
        if (cur_term)
            del_curterm(cur_term);
        snprintf(err, errsz, "cannot use the terminal (TERM=%s%s); try TERM=xterm-256color",
                 term, e == -1 ? ": no terminfo database" : " is unknown");
        return -ENOTTY;
    }
    const char *cup = tigetstr("cup");
    int hardcopy = tigetflag("hc") > 0, generic = tigetflag("gn") > 0;
    int ok = cup && cup != (char *)-1 && !hardcopy && !generic;
    del_curterm(cur_term);
    if (!ok) {
        snprintf(err, errsz, "the terminal TERM=%s cannot move the cursor, which the console "
                 "needs; try TERM=xterm-256color (or --headless)", term);
        return -ENOTTY;
    }
    return 0;
}

/* Opens the RESOPS_TUI_TIMING file and builds our own first snapshot, so
 * the first frame does not wait for a tick. */
static void tui_first_snapshot(Ui *ui, const TuiOpts *opts, Timing *tm)
{
    const char *tpath = getenv("RESOPS_TUI_TIMING");
    if (tpath && *tpath && (tm->f = fopen(tpath, "w")) != NULL)
        setvbuf(tm->f, NULL, _IOLBF, 0);     /* the benchmark reads it live */

    int primary = opts->is_primary ? opts->is_primary(opts->ctx) : 0;
    ui->was_primary = primary;
    int64_t t_snap = util_mono_ms();
    ui->snap = snapshot_build_capped(ui->st, primary, 0, UI_FIRST_ALERTS);
    if (tm->f)
        fprintf(tm->f, "start_to_tui_ms %lld\nfirst_snapshot_ms %lld\n",
                (long long)(t_snap - opts->started_ms), (long long)(util_mono_ms() - t_snap));
    if (ui->snap && opts->box && !ui->snap->partial)
        snapshot_box_publish(opts->box, snapshot_ref(ui->snap));
    ui->data_version = store_data_version(ui->st);
    if (opts->box)
        ui->metrics = snapshot_box_acquire_metrics(opts->box);
}

/* Starts curses on stdout; NULL (message in err) when the terminal will
 * not do. */
static SCREEN *tui_curses_start(char *err, size_t errsz)
{
    setlocale(LC_CTYPE, "");
    if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
        tio_saved = 1;
    /* newterm, not initscr: an unknown TERM is an error we report, not an
     * exit() inside curses */
    const char *term = getenv("TERM");
    SCREEN *scr = term && *term ? newterm(NULL, stdout, stdin) : NULL;
    if (!scr) {
        snprintf(err, errsz, "cannot use the terminal (TERM=%s); try TERM=xterm-256color",
                 term ? term : "");
        return NULL;
    }
    set_term(scr);
    set_escdelay(25);
    save_restore_strings();
    curses_on = 1;
    install_crash_handlers();
    cbreak();
    noecho();
    nonl();
    no_flow_control();
    intrflush(stdscr, FALSE);
    curs_set(0);
    theme_init();
    return scr;
}

/* Paints the dirty parts, noting the first frame with data. */
static void tui_paint_timed(Ui *ui, Timing *tm)
{
    paint(ui);
    if (tm->first_frame_ms < 0 && ui->snap) {
        tm->first_frame_ms = util_mono_ms() - ui->opts.started_ms;
        if (tm->f)
            fprintf(tm->f, "first_frame_ms %lld\n", (long long)tm->first_frame_ms);
        log_info("tui: first frame %lld ms after start", (long long)tm->first_frame_ms);
    }
    if (ui->snap && ui->snap->partial)
        ui_after_write(ui, 0);    /* the first frame is up: now the whole list */
}

/* Drains the signalfd: resizes on SIGWINCH; returns the last other signal
 * (a reason to quit), or 0. */
static int tui_read_signals(Ui *ui, int sfd)
{
    int quit_signal = 0;
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if ((int)si.ssi_signo == SIGWINCH)
            resize_from_tty(ui);
        else
            quit_signal = (int)si.ssi_signo;
    }
    return quit_signal;
}

/* The UI loop: until quit, a quitting signal (returned) or end of input. */
static int tui_loop(Ui *ui, WINDOW *in, int sfd, Timing *tm)
{
    const TuiOpts *opts = &ui->opts;
    int quit_signal = 0, idle_eof = 0;
    int64_t last_sec = -1;
    while (!ui->quit) {
        int64_t now = util_now();
        if (now != last_sec) {
            last_sec = now;
            ui->dirty |= DIRTY_STATUS;
            watch_database(ui);
            watch_role(ui);
        }
        if (ui->dirty)
            tui_paint_timed(ui, tm);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int timeout = 1000 - (int)(ts.tv_nsec / 1000000) + 5;
        struct pollfd pfd[3] = {
            {.fd = STDIN_FILENO, .events = POLLIN},
            {.fd = opts->box ? snapshot_box_fd(opts->box) : -1, .events = POLLIN},
            {.fd = sfd, .events = POLLIN},
        };
        int pr = poll(pfd, 3, timeout);
        if (pr < 0 && errno != EINTR)
            break;
        if (pr <= 0)
            continue;
        if (pfd[2].revents & POLLIN) {
            quit_signal = tui_read_signals(ui, sfd);
            if (quit_signal)
                break;
        }
        if (pfd[1].revents & POLLIN)
            take_updates(ui);
        if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
            int64_t t0 = mono_us();
            int n = read_keys(ui, in);
            if (n == 0) {
                /* readable but no key: end of input (closed terminal) */
                if ((pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL)) || ++idle_eof >= 3)
                    break;
                continue;
            }
            idle_eof = 0;
            if (ui->dirty)
                paint(ui);
            if (tm->f)
                fprintf(tm->f, "key_us %lld\n", (long long)(mono_us() - t0));
        }
    }
    return quit_signal;
}

/* Cancels an open prompt, frees the panes and windows, ends curses. */
static void tui_curses_stop(Ui *ui, WINDOW *in, SCREEN *scr, int sfd)
{
    /* cancel an open prompt so its argument is freed */
    if (ui->prompt && ui->prompt_fn) {
        UiAnswerFn fn = ui->prompt_fn;
        ui->prompt = PROMPT_NONE;
        ui->prompt_fn = NULL;
        fn(ui, ui->prompt_arg, NULL);
    }
    if (sfd >= 0)
        close(sfd);
    for (int i = 0; i < ui->npanes; i++)
        pane_free(ui->panes[i]);
    free(ui->panes);
    WINDOW *ws[] = {ui->tabw, ui->bodyw, ui->statw, ui->msgw, in};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++)
        if (ws[i])
            delwin(ws[i]);
    endwin();
    curses_on = 0;
    delscreen(scr);
    remove_crash_handlers();
}

int tui_run(const TuiOpts *opts, char *err, size_t errsz)
{
    int rc = tui_check_terminal(err, errsz);
    if (rc < 0)
        return rc;
    Ui *ui = xcalloc(1, sizeof *ui);
    ui->opts = *opts;
    who_am_i(ui->actor, sizeof ui->actor);
    rc = store_open(opts->db_path, &ui->st, err, errsz);
    if (rc < 0) {
        free(ui);
        return rc;
    }
    /* every audit row this connection writes names the login user (B4) */
    if (audit_repo_set_session_actor(ui->st, ui->actor) < 0)
        log_warn("tui: cannot name the console's audit actor; rows say system");
    Timing tm = {.f = NULL, .first_frame_ms = -1};
    tui_first_snapshot(ui, opts, &tm);

    SCREEN *scr = tui_curses_start(err, errsz);
    if (!scr) {
        rc = -ENOTTY;
        goto out_nocurses;
    }
    WINDOW *in = newpad(1, 1);
    keypad(in, TRUE);
    nodelay(in, TRUE);

    int sfd = -1;
    if (opts->signals) {
        pthread_sigmask(SIG_BLOCK, opts->signals, NULL);
        sfd = signalfd(-1, opts->signals, SFD_NONBLOCK | SFD_CLOEXEC);
    }

    ui->npanes = panes_count();
    ui->panes = xcalloc((size_t)ui->npanes, sizeof *ui->panes);
    for (int i = 0; i < ui->npanes; i++)
        ui->panes[i] = panes_def(i)->make(ui);
    ui->dirty = DIRTY_ALL | DIRTY_LAYOUT;

    rc = tui_loop(ui, in, sfd, &tm);
    tui_curses_stop(ui, in, scr, sfd);
out_nocurses:
    if (tm.f)
        fclose(tm.f);
    snapshot_unref(ui->snap);
    snap_metrics_unref(ui->metrics);
    store_close(ui->st);
    free(ui);
    return rc;
}
