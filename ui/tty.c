/* tty — see term.h.
 *
 * DESIGN (terminal restore): endwin() on every normal path; for crashes
 * the terminfo strings that undo curses (rmcup, cnorm, sgr0, rmkx) and
 * the original termios are saved at start, and a fatal-signal handler and
 * util's emergency hook write them with async-signal-safe calls before
 * the default action (or ASan's handler) runs.
 *
 * A kill -9 runs no handler: the terminal stays in curses' modes (no
 * echo, no canonical input, no CR/NL mapping) unless the shell repairs
 * it, and the next console would save those raw modes as the shell's and
 * endwin() would give them back. So each console keeps a record of the
 * modes it was given, per terminal device, in the state directory
 * ($XDG_STATE_HOME/resops/tty-<device>, as the `:` history), and removes
 * it on every exit that restores the terminal. A start that finds a
 * record whose process is gone puts those modes back before curses saves
 * the shell's; a torn record (wrong size or magic) is ignored and
 * replaced.
 */
#include "tty.h"
#include "theme.h"
#include "tui.h"
#include "util.h"

#include "log.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

/* ---- crash-safe terminal restore ----------------------------------------- */

static char restore_seq[256];
static size_t restore_len;
static struct termios saved_tio;
static int tio_saved;
static volatile sig_atomic_t curses_on;
static char record_path[512];           /* "" = no record kept */

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
    if (record_path[0])
        unlink(record_path);
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

/* ---- the record of the shell's terminal modes ---------------------------- */

#define RECORD_MAGIC "rsptty1"

typedef struct TtyRecord {
    char           magic[8];
    pid_t          pid;
    struct termios tio;
} TtyRecord;

/* record_path for the terminal on stdin, its directory made; "" when
 * there is no state directory or no terminal device. */
static void record_locate(void)
{
    const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    char dir[400];
    struct stat sb;
    record_path[0] = '\0';
    if (x && x[0] == '/')
        snprintf(dir, sizeof dir, "%s/resops", x);
    else if (home && home[0] == '/')
        snprintf(dir, sizeof dir, "%s/.local/state/resops", home);
    else
        return;
    if (fstat(STDIN_FILENO, &sb) < 0)
        return;
    for (char *p = dir + 1; *p; p++)       /* mkdir -p */
        if (*p == '/') {
            *p = '\0';
            mkdir(dir, 0700);
            *p = '/';
        }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return;
    snprintf(record_path, sizeof record_path, "%s/tty-%llx", dir,
             (unsigned long long)sb.st_rdev);
}

/* A record left by a console that is gone: put its terminal modes back.
 * A live owner's record is left alone, and then this console keeps none. */
static void record_repair(void)
{
    TtyRecord r;
    int fd = open(record_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, &r, sizeof r);
    close(fd);
    if (n != (ssize_t)sizeof r || memcmp(r.magic, RECORD_MAGIC, sizeof r.magic) != 0 ||
        r.pid <= 0) {
        log_warn("tty: ignoring a torn terminal record %s", record_path);
        return;
    }
    if (r.pid != getpid() && (kill(r.pid, 0) == 0 || errno == EPERM)) {
        record_path[0] = '\0';
        return;
    }
    if (tcsetattr(STDIN_FILENO, TCSANOW, &r.tio) == 0)
        log_info("tty: restored the terminal modes left by console %ld, which did not exit",
                 (long)r.pid);
}

/* Record the modes this console was given (after any repair): written
 * aside and renamed, so a reader sees the old record or the new one. */
static void record_write(const struct termios *tio)
{
    TtyRecord r;
    memset(&r, 0, sizeof r);
    memcpy(r.magic, RECORD_MAGIC, sizeof r.magic);
    r.pid = getpid();
    r.tio = *tio;
    char tmp[sizeof record_path + 16];
    snprintf(tmp, sizeof tmp, "%s.%ld", record_path, (long)r.pid);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int ok = fd >= 0 && write(fd, &r, sizeof r) == (ssize_t)sizeof r;
    if (fd >= 0)
        close(fd);
    if (!ok || rename(tmp, record_path) < 0) {
        unlink(tmp);
        record_path[0] = '\0';
    }
}

/* ---- curses ------------------------------------------------------------------ */

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

/* Starts curses on stdout; NULL (message in err) when the terminal will
 * not do. */
SCREEN *tty_start(char *err, size_t errsz)
{
    setlocale(LC_CTYPE, "");
    record_locate();
    if (record_path[0])
        record_repair();
    if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
        tio_saved = 1;
    if (tio_saved && record_path[0])
        record_write(&saved_tio);
    /* newterm, not initscr: an unknown TERM is an error we report, not an
     * exit() inside curses */
    const char *term = getenv("TERM");
    SCREEN *scr = term && *term ? newterm(NULL, stdout, stdin) : NULL;
    if (!scr) {
        if (record_path[0])
            unlink(record_path);
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

void tty_stop(SCREEN *scr)
{
    endwin();
    curses_on = 0;
    if (record_path[0])
        unlink(record_path);
    delscreen(scr);
    remove_crash_handlers();
}
