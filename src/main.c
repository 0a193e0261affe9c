/* main — the only file that knows every wing: parse the command line,
 * load the configuration, open the store, start the engine (and, as later
 * issues land, the listener and the TUI), wait for a signal, shut down.
 *
 * Signals: SIGINT/SIGTERM/SIGHUP are blocked in every thread (the mask is
 * set before any thread starts) and taken synchronously with sigwait()
 * here (the console: its signalfd), so shutdown runs in ordinary code:
 * stop the engine (its tick finishes, the thread is joined), close the
 * database, exit 0.
 *
 * SIGHUP reloads the configuration (app_reload, issue 13): a new Config is
 * loaded the way the first was (file, environment, flags); a bad one is
 * logged and the running one stays. The settings the table marks "reload"
 * go to the threads that read them (engine_reconfigure,
 * notifier_reconfigure, atomics in log and the domain), each thread taking
 * them at its next turn; the others keep their running values (a warning
 * each). Threads borrow strings from the Config they were given, so every
 * Config main loaded is kept until exit (App.retired), never freed under
 * a reader. The console reloads only while its terminal answers; a
 * hung-up terminal's SIGHUP quits it.
 *
 * Nothing is created before the configuration (the playbook file
 * included) and the terminal are known good; a start that fails after
 * making a new database removes what it made (RunFiles). Every process
 * holds a shared lock on "<db>.users", so a temporary demo database is
 * removed only by the last process that has it open (N1).
 */
#include "api/api.h"
#include "api/auth.h"
#include "cli_probe.h"
#include "cli_token.h"
#include "config.h"
#include "engine.h"
#include "notifier.h"
#include "runner.h"
#include "secpipe.h"
#include "log.h"
#include "snapshot.h"
#include "sysmetrics.h"
#include "syslogd.h"
#include "domain/secnorm.h"
#include "tui.h"
#include "util.h"
#include "domain/flapping.h"
#include "domain/actions.h"
#include "domain/config_audit.h"
#include "domain/notify.h"
#include "domain/resolution.h"
#include "domain/seed.h"
#include "domain/silences.h"
#include "domain/secresponse.h"
#include "domain/similarity.h"
#include "store/store.h"
#include "store/service_repo.h"
#include "model/audit.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef RESOPS_VERSION
#define RESOPS_VERSION "dev"
#endif

enum { EXIT_USAGE = 2 };

static const char usage_text[] =
    "usage: resops [options]            the console (engine + TUI)\n"
    "       resops --headless [options] engine (and listener) without a TUI\n"
    "       resops seed --services N [--db PATH]\n"
    "                                   fill a database for benchmarks\n"
    "       resops seed --demo [--db PATH]\n"
    "                                   fill a database with the demo set\n"
    "       resops probe --service ID|NAME (--http URL | --tcp HOST:PORT |\n"
    "                    --cmd CMD | --remove) [--timeout-ms N] [--expect N]\n"
    "                    [--playbook CATEGORY|none [--confidence X]]\n"
    "                                   attach or remove a service's health probe\n"
    "       resops token create NAME [--scope ingest|read|write] | list | revoke NAME|ID\n"
    "                    [--db PATH]    machine tokens for collectors (issue 12)\n"
    "\n"
    "options:\n"
    "  --db PATH               SQLite database (default $XDG_DATA_HOME/resops/resops.db)\n"
    "  --config FILE           INI configuration (default $XDG_CONFIG_HOME/resops/resops.conf\n"
    "                          when it exists); see data/resops.conf.example\n"
    "  --headless              run engine and listener without the TUI\n"
    "  --demo                  seed a demo database (the --db file when it is new,\n"
    "                          else a fresh temporary one)\n"
    "  --services N            with seed: write N synthetic services\n"
    "  --check-interval SECS   seconds between health checks (default 300)\n"
    "  --listen ADDR:PORT      serve the HTTP API there (port 0 = any free port; default\n"
    "                          127.0.0.1:5001 with --headless, off in the console)\n"
    "  --open-signup           let anyone sign up with a seed 000 role (seed 000's flow)\n"
    "  --tls-cert FILE         serve the API over HTTPS with this PEM certificate ...\n"
    "  --tls-key FILE          ... and this PEM private key\n"
    "  --syslog ADDR:PORT      also listen for syslog there (UDP and TCP, RFC 5424/3164)\n"
    "                          and store each message as a security alert\n"
    "  --log-level LEVEL       debug, info, warn or error\n"
    "  --version               print the version and exit\n"
    "  --help                  this text\n"
    "\n"
    "Precedence: defaults < config file < environment (JWT_SECRET_KEY, ...) < flags.\n"
    "SIGHUP reloads the configuration; SIGTERM and SIGINT stop. See resops(1).\n";

typedef struct Cli {
    const char *config_path;
    int         headless, demo, seed_mode, seed_services, seed_demo;
    const char *flag_db, *flag_interval, *flag_listen, *flag_level;
    const char *flag_tls_cert, *flag_tls_key, *flag_open_signup;
    const char *flag_syslog;       /* issue 12: security.syslog_listen */
} Cli;

static int parse_cli(int argc, char **argv, Cli *cli)
{
    enum { O_DB = 256, O_CONFIG, O_HEADLESS, O_DEMO, O_INTERVAL, O_LISTEN, O_LEVEL,
           O_VERSION, O_HELP, O_SERVICES, O_OPEN_SIGNUP, O_TLS_CERT, O_TLS_KEY, O_SYSLOG };
    static const struct option opts[] = {
        {"db", required_argument, NULL, O_DB},
        {"config", required_argument, NULL, O_CONFIG},
        {"headless", no_argument, NULL, O_HEADLESS},
        {"demo", no_argument, NULL, O_DEMO},
        {"check-interval", required_argument, NULL, O_INTERVAL},
        {"listen", required_argument, NULL, O_LISTEN},
        {"log-level", required_argument, NULL, O_LEVEL},
        {"version", no_argument, NULL, O_VERSION},
        {"help", no_argument, NULL, O_HELP},
        {"services", required_argument, NULL, O_SERVICES},
        {"open-signup", no_argument, NULL, O_OPEN_SIGNUP},
        {"tls-cert", required_argument, NULL, O_TLS_CERT},
        {"tls-key", required_argument, NULL, O_TLS_KEY},
        {"syslog", required_argument, NULL, O_SYSLOG},
        {0, 0, 0, 0},
    };
    if (argc > 1 && strcmp(argv[1], "seed") == 0) {
        cli->seed_mode = 1;
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_DB: cli->flag_db = optarg; break;
        case O_CONFIG: cli->config_path = optarg; break;
        case O_HEADLESS: cli->headless = 1; break;
        case O_DEMO: cli->demo = 1; break;
        case O_INTERVAL: cli->flag_interval = optarg; break;
        case O_LISTEN: cli->flag_listen = optarg; break;
        case O_LEVEL: cli->flag_level = optarg; break;
        case O_OPEN_SIGNUP: cli->flag_open_signup = "true"; break;
        case O_TLS_CERT: cli->flag_tls_cert = optarg; break;
        case O_TLS_KEY: cli->flag_tls_key = optarg; break;
        case O_SYSLOG: cli->flag_syslog = optarg; break;
        case O_VERSION: printf("resops %s\n", RESOPS_VERSION); exit(0);
        case O_HELP: fputs(usage_text, stdout); exit(0);
        case O_SERVICES: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n <= 0 || n > 10000000) {
                fprintf(stderr, "resops: --services: not a positive number: '%s'\n", optarg);
                return -EINVAL;
            }
            cli->seed_services = (int)n;
            break;
        }
        default:
            fprintf(stderr, "resops: unknown or incomplete option '%s'\n%s",
                    argv[optind - 1], usage_text);
            return -EINVAL;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "resops: unexpected argument '%s'\n%s", argv[optind], usage_text);
        return -EINVAL;
    }
    if (cli->seed_mode) {
        cli->seed_demo = cli->demo;
        if (!cli->seed_services && !cli->seed_demo) {
            fprintf(stderr, "resops seed: give --services N or --demo\n");
            return -EINVAL;
        }
    } else if (cli->seed_services) {
        fprintf(stderr, "resops: --services belongs to 'resops seed'\n");
        return -EINVAL;
    }
    return 0;
}

/* mkdir -p for the parent directories of path. */
static int make_parents(const char *path)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0700) < 0 && errno != EEXIST) {
            int e = errno;
            free(p);
            return -e;
        }
        *s = '/';
    }
    free(p);
    return 0;
}

static char *default_path(const char *xdg_var, const char *fallback, const char *leaf)
{
    const char *x = getenv(xdg_var);
    if (x && *x)
        return xasprintf("%s/resops/%s", x, leaf);
    const char *home = getenv("HOME");
    return xasprintf("%s/%s/resops/%s", home && *home ? home : ".", fallback, leaf);
}

/* The file (--config, else the default when it exists), the environment,
 * the flags, into cfg: 0, or -errno with err. Nothing else is touched, so
 * a reload can call it on a new Config. */
static int read_config(Config *cfg, const Cli *cli, char *err, size_t errsz)
{
    int r = 0;
    if (cli->config_path) {
        r = config_load_file(cfg, cli->config_path, err, errsz);
    } else {
        char *def = default_path("XDG_CONFIG_HOME", ".config", "resops.conf");
        if (access(def, F_OK) == 0)
            r = config_load_file(cfg, def, err, errsz);
        free(def);
    }
    if (r == 0)
        r = config_load_env(cfg, err, errsz);
    static const struct { const char *name; size_t off; } flags[] = {
        {"general.db", offsetof(Cli, flag_db)},
        {"engine.check_interval", offsetof(Cli, flag_interval)},
        {"api.listen", offsetof(Cli, flag_listen)},
        {"general.log_level", offsetof(Cli, flag_level)},
        {"api.open_signup", offsetof(Cli, flag_open_signup)},
        {"api.tls_cert", offsetof(Cli, flag_tls_cert)},
        {"api.tls_key", offsetof(Cli, flag_tls_key)},
        {"security.syslog_listen", offsetof(Cli, flag_syslog)},
    };
    for (size_t i = 0; r == 0 && i < sizeof flags / sizeof flags[0]; i++) {
        const char *v = *(const char *const *)((const char *)cli + flags[i].off);
        if (v)
            r = config_set(cfg, flags[i].name, v, err, errsz);
    }
    return r;
}

/* The settings read deep in the domain and the log (services, notifier,
 * flapping): process-wide, safe to change while threads run (a mutex or
 * atomics), so a reload sets them again. */
static void apply_process_settings(const Config *cfg)
{
    LogLevel lvl = LOG_INFO;
    log_parse_level(config_str(cfg, "general.log_level"), &lvl);
    log_set_level(lvl);
    notify_set_slack_prefixes(config_str(cfg, "notify.slack_webhook_prefixes"));
    silences_set_max_minutes((int)config_int(cfg, "notify.silence_max_minutes"));
    flapping_configure((int)config_int(cfg, "flapping.changes"),
                       config_int(cfg, "flapping.window"));
}

static int load_config(Config *cfg, const Cli *cli)
{
    char err[512];
    int r = read_config(cfg, cli, err, sizeof err);
    if (r < 0)
        fprintf(stderr, "resops: %s\n", err);
    else {  /* checked deep in the domain (services, notifier) */
        apply_process_settings(cfg);
        /* issue 12: generic JSON alerts' field mapping; set once, before any thread */
        SecnormMapping m = {
            .severity = config_str(cfg, "security.map.severity"),
            .timestamp = config_str(cfg, "security.map.timestamp"),
            .title = config_str(cfg, "security.map.title"),
            .description = config_str(cfg, "security.map.description"),
            .host = config_str(cfg, "security.map.host"),
            .user = config_str(cfg, "security.map.user"),
            .ip = config_str(cfg, "security.map.ip"),
        };
        secnorm_set_mapping(&m);
    }
    return r;
}

/* Decide the database file; for --demo, maybe a fresh temporary one.
 * Returns an owned path, or NULL with a message printed. *out_seed_demo:
 * 0 use as is, 1 seed the demo into it, 2 seed it into a temporary
 * directory made here (removed at exit: remove_demo_dir). */
static char *choose_db(const Config *cfg, const Cli *cli, int *out_seed_demo)
{
    const char *db = config_str(cfg, "general.db");
    *out_seed_demo = 0;
    if (cli->demo && !cli->seed_mode) {
        struct stat sb;
        if (*db && (stat(db, &sb) < 0 || sb.st_size == 0)) {
            *out_seed_demo = 1;
            return xstrdup(db);
        }
        const char *tmp = getenv("TMPDIR");
        char *tmpl = xasprintf("%s/resops-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(tmpl)) {
            fprintf(stderr, "resops: cannot create a temporary directory %s: %s\n", tmpl,
                    strerror(errno));
            free(tmpl);
            return NULL;
        }
        *out_seed_demo = 2;          /* 2: a temporary directory of ours */
        if (*db)
            fprintf(stderr, "resops: %s already has data; the demo uses a fresh database\n", db);
        char *path = xasprintf("%s/demo.db", tmpl);
        free(tmpl);
        return path;
    }
    if (*db)
        return xstrdup(db);
    return default_path("XDG_DATA_HOME", ".local/share", "resops.db");
}

/* nftw callback: remove what is there, deepest first. */
static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) < 0 ? -1 : 0;
}

/* The users lock (N1): every process on a database holds a shared flock
 * on "<db>.users" for its whole life, so the process that made a
 * temporary demo database can tell, after closing its own connections,
 * whether anyone else still has it open: only then may it remove it.
 * Returns the descriptor, or -1 (logged; the demo is then kept). */
static int users_hold(const char *db_path)
{
    char *path = xasprintf("%s.users", db_path);
    /* read-only is enough for flock; 0666 less the umask (N3) */
    int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd >= 0 && flock(fd, LOCK_SH) < 0) {
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        log_warn("resops: cannot hold %s: %s", path, strerror(errno));
    free(path);
    return fd;
}

/* The temporary demo directory (the database, its -wal/-shm/.lock, the
 * log, the API secret): gone at exit, so `make run` leaves nothing in
 * /tmp (B20), but only when no other process still uses the database
 * (N1: a viewer console opened on it keeps it, and is told where it is).
 * Only a directory this process made with mkdtemp; called after every
 * connection of this process is closed. Closes users_fd. */
static void remove_demo_dir(const char *db_path, int users_fd)
{
    const char *slash = strrchr(db_path, '/'), *dir0 = slash;
    while (dir0 && dir0 > db_path && dir0[-1] != '/')
        dir0--;                      /* the directory's own name: resops-demo-XXXXXX */
    if (!slash || strncmp(dir0, "resops-demo-", 12) != 0) {
        if (users_fd >= 0)
            close(users_fd);
        return;
    }
    char *dir = xasprintf("%.*s", (int)(slash - db_path), db_path);
    /* shared -> exclusive without waiting: fails while another holds it */
    if (users_fd < 0 || flock(users_fd, LOCK_EX | LOCK_NB) < 0) {
        fprintf(stderr, "resops: the demo database %s is still open in another resops; "
                "left in place (remove %s when you are done)\n", db_path, dir);
        log_info("resops: demo database %s still in use by another process; kept", db_path);
    } else if (nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) < 0) {
        fprintf(stderr, "resops: could not remove the demo directory %s: %s\n", dir,
                strerror(errno));
    }
    if (users_fd >= 0)
        close(users_fd);
    free(dir);
}

/* The files a run may create next to a database. When the database is new
 * and the start fails after it was made (a busy --listen port: N4), the
 * ones this run created are removed again, so a failed start leaves
 * nothing behind. */
static const char *const run_files[] = {"", "-wal", "-shm", ".lock", ".users", ".jwt-secret",
                                        ".handover"};
#define N_RUN_FILES (sizeof run_files / sizeof run_files[0])

typedef struct RunFiles {
    unsigned existed;   /* bit i: db_path + run_files[i] was there before */
    char    *log_path;  /* the console's default log file, when this run makes it */
} RunFiles;

static void run_files_note(RunFiles *rf, const char *db_path)
{
    rf->existed = 0;
    for (size_t i = 0; i < N_RUN_FILES; i++) {
        char *p = xasprintf("%s%s", db_path, run_files[i]);
        if (access(p, F_OK) == 0)
            rf->existed |= 1u << i;
        free(p);
    }
}

static void run_files_undo(const RunFiles *rf, const char *db_path, int users_fd)
{
    if (rf->existed & 1u)        /* an existing database: leave everything */
        return;
    /* another process that opened the new database meanwhile keeps it */
    if (users_fd >= 0 && flock(users_fd, LOCK_EX | LOCK_NB) < 0)
        return;
    for (size_t i = 0; i < N_RUN_FILES; i++) {
        if (rf->existed & (1u << i))
            continue;
        char *p = xasprintf("%s%s", db_path, run_files[i]);
        unlink(p);
        free(p);
    }
    if (rf->log_path)
        unlink(rf->log_path);
}

static int open_store(const char *path, Store **out)
{
    char err[512];
    int r = make_parents(path);
    if (r < 0) {
        fprintf(stderr, "resops: cannot create the directory for %s: %s\n", path, strerror(-r));
        return r;
    }
    r = store_open(path, out, err, sizeof err);
    if (r < 0)
        fprintf(stderr, "resops: %s\n", err);
    return r;
}

/* Seed 004's seeder prints a token for the demo: a JWT of the demo
 * admin (a session of DEMO_TOKEN_TTL_S), signed with the secret the API
 * will use. 0 or -errno with err. */
#define DEMO_TOKEN_TTL_S (24 * 3600)

static int print_demo_token(Store *st, const Config *cfg, const char *db_path, char *err,
                            size_t errsz)
{
    UserInfo u;
    char jti[USERS_JTI_LEN + 1];
    int64_t now = util_now();
    int r = seed_demo_session(st, SEED_DEMO_ADMIN, now, DEMO_TOKEN_TTL_S, &u, jti, err, errsz);
    if (r < 0)
        return r;
    unsigned char *key;
    size_t keylen;
    r = api_secret_load(config_str(cfg, "api.jwt_secret_key"), db_path, &key, &keylen, err,
                        errsz);
    if (r < 0)
        return r;
    char *tok = api_token_issue(key, keylen, &u, jti, now, DEMO_TOKEN_TTL_S);
    free(key);
    if (!tok) {
        snprintf(err, errsz, "cannot sign the demo token");
        return -EIO;
    }
    printf("resops: demo accounts: %s / %s (Admin), %s / %s (user)\n", SEED_DEMO_ADMIN,
           SEED_DEMO_ADMIN_PASSWORD, SEED_DEMO_USER, SEED_DEMO_USER_PASSWORD);
    printf("resops: demo token (%s, valid 24 h; send as \"token: ...\" or "
           "\"Authorization: Bearer ...\"):\n%s\n", u.username, tok);
    free(tok);
    return 0;
}

static int run_seed(const char *db_path, const Cli *cli, const Config *cfg, int demo)
{
    Store *st;
    char err[512];
    if (open_store(db_path, &st) < 0)
        return 1;
    int r = 0;
    if (demo && service_repo_count(st) > 0) {
        /* the demo's names and accounts would collide with what is there */
        snprintf(err, sizeof err, "%s already has services; the demo needs a new database "
                 "(give another --db)", db_path);
        r = -EEXIST;
    } else if (demo) {
        r = seed_demo(st, util_now(), err, sizeof err);
        if (r == 0)
            printf("resops: demo data written to %s\n", db_path);
        if (r == 0)
            r = print_demo_token(st, cfg, db_path, err, sizeof err);
    }
    if (r == 0 && cli->seed_services) {
        int64_t t0 = util_mono_ms();
        r = seed_services(st, cli->seed_services, util_now(), err, sizeof err);
        if (r == 0)
            printf("resops: %d services written to %s in %lld ms\n", cli->seed_services,
                   db_path, (long long)(util_mono_ms() - t0));
    }
    if (r == 0 && store_sync_answer(st) < 0) {   /* issue 13: durable before exit 0 */
        snprintf(err, sizeof err, "%s: could not flush the database to disk", db_path);
        r = -EIO;
    }
    store_close(st);
    if (r < 0) {
        fprintf(stderr, "resops: %s\n", err);
        return 1;
    }
    return 0;
}

/* `resops probe ...` and `resops token ...` (issue 12): only --db and
 * --config matter before the subcommand's own function. */
static int run_probe_cmd(int argc, char **argv, int (*run)(int, char **, const char *))
{
    Cli cli = {0};
    for (int i = 1; i + 1 < argc; i++) {
        if (!strcmp(argv[i], "--db"))
            cli.flag_db = argv[i + 1];
        else if (!strcmp(argv[i], "--config"))
            cli.config_path = argv[i + 1];
    }
    Config *cfg = config_new();
    if (load_config(cfg, &cli) < 0) {
        config_free(cfg);
        return EXIT_USAGE;
    }
    int unused;
    char *db = choose_db(cfg, &cli, &unused);
    /* the subcommand checks its arguments, then that the database
     * exists (cli_open_db) */
    int rc = run(argc - 1, argv + 1, db);
    free(db);
    config_free(cfg);
    return rc;
}

/* The HTTP listener: api.listen / --listen; with --headless it defaults to
 * 127.0.0.1:5001 and a failure to bind that default is only a warning
 * (another resops may hold it). *fatal = 1 when an address that was asked
 * for cannot be served. NULL when there is no listener. */
static ApiServer *start_api(const Config *cfg, const Cli *cli, const char *db_path, int *fatal)
{
    const char *listen = config_str(cfg, "api.listen");
    int implicit = 0;
    *fatal = 0;
    if (!*listen) {
        if (!cli->headless)
            return NULL;
        listen = "127.0.0.1:5001";
        implicit = 1;
    }
    ApiOpts ao = {
        .listen = listen,
        .db_path = db_path,
        .jwt_secret = config_str(cfg, "api.jwt_secret_key"),
        .open_signup = config_bool(cfg, "api.open_signup"),
        .password_limits = config_str(cfg, "api.password_hash_limits"),
        .cors_origins = config_str(cfg, "api.cors_origins"),
        .tls_cert = config_str(cfg, "api.tls_cert"),
        .tls_key = config_str(cfg, "api.tls_key"),
        .admin_token = config_str(cfg, "api.admin_token"),
        .header_timeout_s = (int)config_int(cfg, "api.header_timeout_s"),
        .body_timeout_s = (int)config_int(cfg, "api.body_timeout_s"),
        .max_connections = (int)config_int(cfg, "api.max_connections"),
        .max_connections_per_ip = (int)config_int(cfg, "api.max_connections_per_ip"),
        .slow_max = (int)config_int(cfg, "api.max_waiting_resolves"),
        .slow_per_user = (int)config_int(cfg, "api.max_waiting_resolves_per_user"),
        .docs_dir = config_str(cfg, "api.docs_dir"),
        .upload_max_bytes = config_int(cfg, "security.upload_max_bytes"),
        .threads = (int)config_int(cfg, "api.threads"),
    };
    char err[512];
    ApiServer *api = api_start(&ao, err, sizeof err);
    if (!api && implicit) {
        log_warn("resops: %s; running without the HTTP API", err);
    } else if (!api) {
        fprintf(stderr, "resops: %s\n", err);
        *fatal = 1;
    }
    return api;
}

/* The notifier's notify.* settings; strings borrowed from cfg. */
static void notify_settings(const Config *cfg, NotifyConfig *out_cfg, NotifyPolicy *out_policy)
{
    *out_cfg = (NotifyConfig){
        .webhook_url = config_str(cfg, "notify.alert_webhook_url"),
        .webhook_secret = config_str(cfg, "notify.alert_webhook_secret"),
        .pagerduty_key = config_str(cfg, "notify.pagerduty_routing_key"),
        .pagerduty_url = config_str(cfg, "notify.pagerduty_url"),
        .smtp_host = config_str(cfg, "notify.smtp_host"),
        .smtp_port = (int)config_int(cfg, "notify.smtp_port"),
        .smtp_user = config_str(cfg, "notify.smtp_user"),
        .smtp_pass = config_str(cfg, "notify.smtp_pass"),
        .mail_from = config_str(cfg, "notify.alert_from"),
        .mail_to = config_str(cfg, "notify.alert_to"),
        .group_wait_s = config_int(cfg, "notify.group_wait_s"),
    };
    *out_policy = (NotifyPolicy){
        .retries = (int)config_int(cfg, "notify.alert_webhook_retries"),
        .backoff_s = config_double(cfg, "notify.alert_webhook_backoff"),
        .max_age_s = config_int(cfg, "notify.max_age_s"),
    };
}

/* The outbox's delivery thread with the notify.* settings. It sends only
 * while this process is the engine; a failure to start is logged and the
 * notifications stay queued (they are rows). NULL then. */
static Notifier *start_notifier(const Config *cfg, const char *db_path, Engine *engine)
{
    NotifierOpts no = {.db_path = db_path, .engine = engine};
    notify_settings(cfg, &no.cfg, &no.policy);
    char err[512];
    Notifier *n = notifier_start(&no, err, sizeof err);
    if (!n)
        log_error("resops: %s; notifications stay queued", err);
    return n;
}

/* The metrics collector (seed 004): samples in every process, records
 * and alerts only while this process is the engine. NULL when /proc
 * cannot be read (logged). */
static int collector_is_primary(void *ctx) { return engine_is_primary(ctx); }

static SysMetrics *start_metrics(const Config *cfg, const char *db_path, SnapshotBox *box,
                                 Engine *engine)
{
    SysMetricsOpts mo = {
        .box = box,
        .interval_s = (int)config_int(cfg, "engine.metrics_interval"),
        .db_path = db_path,
        .is_primary = collector_is_primary,
        .ctx = engine,
        .policy = {
            .fire_after = (int)config_int(cfg, "metrics.alert_after"),
            .clear_after = (int)config_int(cfg, "metrics.clear_after"),
            .hysteresis_pct = config_double(cfg, "metrics.hysteresis_pct"),
        },
        .retention = {
            .raw_s = config_int(cfg, "metrics.raw_retention_s"),
            .minute_s = config_int(cfg, "metrics.minute_retention_s"),
        },
    };
    char err[512];
    SysMetrics *sm = sysmetrics_start(&mo, err, sizeof err);
    if (!sm)
        log_warn("resops: %s; no system metrics", err);
    return sm;
}

/* Issue 12: the syslog listener (security.syslog_listen / --syslog), in
 * every process like the API. *fatal = 1 when it was asked for and cannot
 * listen. NULL when off. */
static Syslogd *start_syslogd(const Config *cfg, const char *db_path, int *fatal)
{
    const char *listen = config_str(cfg, "security.syslog_listen");
    *fatal = 0;
    if (!*listen)
        return NULL;
    SyslogdOpts so = {
        .listen = listen,
        .db_path = db_path,
        .max_connections = (int)config_int(cfg, "security.syslog_max_connections"),
        .idle_timeout_s = (int)config_int(cfg, "security.syslog_idle_timeout"),
    };
    char err[512];
    Syslogd *s = syslogd_start(&so, err, sizeof err);
    if (!s) {
        fprintf(stderr, "resops: %s\n", err);
        *fatal = 1;
    }
    return s;
}

/* The operator's playbook file (resolve.playbook_file), read and checked
 * before anything is created (N4: a bad file never starts half-way).
 * 0 and *out_json (owned; NULL when no file is set), or -EINVAL with the
 * message printed naming the file and where the setting came from
 * (config "FILE:LINE:", the environment variable, or the setting). */
static int read_playbook_file(const Config *cfg, char **out_json)
{
    const char *name = "resolve.playbook_file";
    const char *path = config_str(cfg, name);
    const char *origin = config_origin(cfg, name);
    *out_json = NULL;
    if (!*path)
        return 0;
    char where[600];
    if (strcmp(origin, name) == 0)
        snprintf(where, sizeof where, "%s", name);
    else
        snprintf(where, sizeof where, "%s: %s", origin, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "resops: %s: cannot read the playbook file %s: %s\n", where, path,
                strerror(errno));
        return -EINVAL;
    }
    StrBuf json = {0};
    char buf[4096];
    size_t n;
    strbuf_append(&json, "");
    while ((n = fread(buf, 1, sizeof buf - 1, f)) > 0) {
        buf[n] = '\0';
        strbuf_append(&json, buf);
    }
    int rerr = ferror(f);
    fclose(f);
    char err[512];
    if (rerr) {
        fprintf(stderr, "resops: %s: cannot read the playbook file %s\n", where, path);
        strbuf_free(&json);
        return -EINVAL;
    }
    if (actions_check(json.s, err, sizeof err) < 0) {
        fprintf(stderr, "resops: %s: bad playbook file %s: %s\n", where, path, err);
        strbuf_free(&json);
        return -EINVAL;
    }
    *out_json = json.s;
    return 0;
}

/* Issue 12 (wt-resp): the response actions (security.*) into this
 * process's catalog, checked before anything is created like the
 * playbook file: a bad one is a usage error naming the setting. */
static int configure_security_actions(const Config *cfg)
{
    char err[600];
    if (secresponse_configure(config_str(cfg, "security.actions"),
                              config_str(cfg, "security.actions_dir"),
                              config_str(cfg, "security.webhook_url"),
                              config_str(cfg, "security.escalation_action"), err,
                              sizeof err) < 0) {
        fprintf(stderr, "resops: %s: %s\n", config_origin(cfg, "security.actions"), err);
        return -EINVAL;
    }
    return 0;
}

/* Seed 001's settings from the config file: the default threshold and
 * the concurrency limit (while never changed through the API or the
 * console) and the playbook file, already checked (read_playbook_file). */
static int bootstrap_resolution(Store *st, const Config *cfg, const char *playbook_json)
{
    const char *path = config_str(cfg, "resolve.playbook_file");
    char err[512];
    int r = resolution_bootstrap(st, config_double(cfg, "resolve.default_confidence_threshold"),
                                 (int)config_int(cfg, "resolve.max_concurrent_resolutions"),
                                 playbook_json, util_now(), err, sizeof err);
    if (r < 0)
        fprintf(stderr, "resops: %s%s%s\n", *path ? path : "", *path ? ": " : "", err);
    else if (*path)
        log_info("resolve: playbook file %s loaded (actions and playbooks it defines: see "
                 "GET /api/v1/config)", path);
    return r;
}

/* The resolution runner (seed 001): runs queued incidents' playbooks
 * while this process is the engine. NULL on failure (logged): incidents
 * then stay queued for the next engine. */
static Runner *start_runner(const Config *cfg, const char *db_path, Engine *engine)
{
    RunnerOpts ro = {
        .db_path = db_path,
        .engine = engine,
        .retry_backoff_ms = config_int(cfg, "resolve.retry_backoff_ms"),
        .step_timeout_ms = (int)config_int(cfg, "resolve.step_timeout_ms"),
    };
    char err[512];
    Runner *r = runner_start(&ro, err, sizeof err);
    if (!r)
        log_error("resops: %s; incidents stay queued", err);
    return r;
}

/* issue 12: the security pipeline (seed 003): normalizes, embeds and
 * triages ingested alerts while this process is the engine. NULL on
 * failure (logged): alerts then wait in stage received. */
static Secpipe *start_secpipe(const char *db_path, Engine *engine)
{
    SecpipeOpts so = {.db_path = db_path, .engine = engine};
    char err[512];
    Secpipe *p = secpipe_start(&so, err, sizeof err);
    if (!p)
        log_error("resops: %s; security alerts stay unprocessed", err);
    return p;
}

/* The console's hooks into the engine (ui/ does not include engine/). */
static void tui_kick(void *ctx) { engine_kick(ctx); }
static int tui_is_primary(void *ctx) { return engine_is_primary(ctx); }
/* The snapshot source's request: the engine is the one publisher. */
static void tui_request(void *ctx, int evaluate)
{
    if (evaluate)
        engine_wake(ctx);
    else
        engine_request_publish(ctx);
}
static int tui_engine_api(void *ctx, char *buf, size_t size)
{
    return engine_api_of_engine(ctx, buf, size);
}
static int64_t tui_engine_tick(void *ctx) { return engine_tick_of_engine(ctx); }

/* In the console the terminal belongs to curses: logs go to
 * general.log_file, by default resops.log next to the database. */
static void log_to_file(const Config *cfg, const char *db_path, RunFiles *rf)
{
    const char *lf = config_str(cfg, "general.log_file");
    char *path;
    if (*lf) {
        path = xstrdup(lf);
    } else {
        const char *slash = strrchr(db_path, '/');
        path = slash ? xasprintf("%.*s/resops.log", (int)(slash - db_path), db_path)
                     : xstrdup("resops.log");
    }
    int existed = access(path, F_OK) == 0;
    FILE *f = fopen(path, "a");
    if (f && !existed)
        rf->log_path = xstrdup(path);
    if (f) {
        setvbuf(f, NULL, _IOLBF, 0);
        log_set_file(f);
    } else {
        fprintf(stderr, "resops: cannot open the log file %s: %s; logging is off\n", path,
                strerror(errno));
        f = fopen("/dev/null", "a");
        if (f)
            log_set_file(f);
    }
    free(path);
}

/* "HOST:PORT" of the running listener for the status bar. */
static char *api_address(const Config *cfg, ApiServer *api)
{
    if (!api)
        return NULL;
    const char *listen = config_str(cfg, "api.listen");
    const char *colon = strrchr(listen, ':');
    if (!*listen || !colon)
        return xasprintf("127.0.0.1:%d", api_port(api));
    return xasprintf("%.*s:%d", (int)(colon - listen), listen, api_port(api));
}

/* Everything main starts, so that app_stop can undo it in one place. */
typedef struct App {
    int64_t      started_ms;
    Cli          cli;
    Config      *cfg;
    char        *playbook_json;
    char        *db_path;
    int          seed_demo_db;  /* choose_db's out_seed_demo; 2: a temporary demo */
    int          temp_demo;
    int          users_fd;
    Store       *st;
    SnapshotBox *box;
    Engine      *engine;
    ApiServer   *api;
    char        *addr;
    Notifier    *notifier;
    Runner      *runner;
    Secpipe     *secpipe;      /* issue 12: the security pipeline */
    SysMetrics  *sm;
    Syslogd     *syslogd;      /* issue 12: --syslog */
    int          curl_up, started;
    RunFiles     rf;
    sigset_t     sigs, tui_sigs;
    Config     **retired;      /* SIGHUP: the Configs before cfg, kept until exit */
    size_t       nretired;
} App;

/* The command line, the configuration, the playbook file, the terminal
 * and the database path: -1 with *out_rc when main is to return it
 * (whatever was made here is freed), else 0. */
static int app_configure(App *a, int argc, char **argv, int *out_rc)
{
    if (parse_cli(argc, argv, &a->cli) < 0) {
        *out_rc = EXIT_USAGE;
        return -1;
    }
    a->cfg = config_new();
    if (load_config(a->cfg, &a->cli) < 0) {
        config_free(a->cfg);
        *out_rc = EXIT_USAGE;
        return -1;
    }
    /* N4: the operator's playbook file is part of the configuration: a
     * bad one is a usage error before any database is created */
    if (!a->cli.seed_mode && read_playbook_file(a->cfg, &a->playbook_json) < 0) {
        config_free(a->cfg);
        *out_rc = EXIT_USAGE;
        return -1;
    }
    if (!a->cli.seed_mode && configure_security_actions(a->cfg) < 0) {   /* issue 12 */
        free(a->playbook_json);
        config_free(a->cfg);
        *out_rc = EXIT_USAGE;
        return -1;
    }

    /* A console that cannot run says so before anything is created (a
     * demo database, the log file): B20. */
    if (!a->cli.headless && !a->cli.seed_mode) {
        char terr[256];
        if (tui_check_terminal(terr, sizeof terr) < 0) {
            fprintf(stderr, "resops: %s\n", terr);
            free(a->playbook_json);
            config_free(a->cfg);
            *out_rc = 1;
            return -1;
        }
    }

    a->db_path = choose_db(a->cfg, &a->cli, &a->seed_demo_db);
    a->temp_demo = a->seed_demo_db == 2;
    if (!a->db_path) {
        free(a->playbook_json);
        config_free(a->cfg);
        *out_rc = 1;
        return -1;
    }
    return 0;
}

/* Open once here: migrations run, and a bad path or a newer schema is
 * reported before any thread starts. The users lock comes first, so
 * the owner of a temporary demo never removes a database that this
 * process is about to open (N1). 0, or -1 (reported). */
static int app_open_db(App *a)
{
    char err[512];
    int mr = make_parents(a->db_path);
    if (mr < 0) {
        fprintf(stderr, "resops: cannot create the directory for %s: %s\n", a->db_path,
                strerror(-mr));
        return -1;
    }
    a->users_fd = users_hold(a->db_path);
    if (open_store(a->db_path, &a->st) < 0)
        return -1;
    /* issue 12 (vec): the vectors' dimension and the HNSW index file beside
     * the database; loaded lazily by the first thread that searches */
    char *hnsw_path = xasprintf("%s.hnsw", a->db_path);
    similarity_configure((int)config_int(a->cfg, "security.embedding_dim"), hnsw_path);
    similarity_set_ef((int)config_int(a->cfg, "security.hnsw_ef"));
    free(hnsw_path);
    if (a->seed_demo_db) {
        if (service_repo_count(a->st) == 0 && seed_demo(a->st, util_now(), err, sizeof err) < 0) {
            fprintf(stderr, "resops: %s\n", err);
            return -1;
        }
        fprintf(stderr, "resops: demo database %s\n", a->db_path);
    }
    if (bootstrap_resolution(a->st, a->cfg, a->playbook_json) < 0)
        return -1;
    store_close(a->st);
    a->st = NULL;
    if (!a->cli.headless)
        log_to_file(a->cfg, a->db_path, &a->rf);
    return 0;
}

/* Block the stop signals in every thread (main takes them by sigwait or
 * the console's signalfd) and ignore SIGPIPE. */
static void app_block_signals(App *a)
{
    sigemptyset(&a->sigs);
    sigaddset(&a->sigs, SIGINT);
    sigaddset(&a->sigs, SIGTERM);
    sigaddset(&a->sigs, SIGHUP);
    /* the console also takes SIGWINCH through its signalfd: blocked in
     * every thread, so no other thread swallows it */
    a->tui_sigs = a->sigs;
    sigaddset(&a->tui_sigs, SIGWINCH);
    pthread_sigmask(SIG_BLOCK, a->cli.headless ? &a->sigs : &a->tui_sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The engine's settings from cfg (the ones engine_reconfigure takes, and
 * headless). */
static EngineOpts engine_settings(const Config *cfg, const char *db_path, int headless)
{
    return (EngineOpts){
        .db_path = db_path,
        .check_interval_s = (int)config_int(cfg, "engine.check_interval"),
        .probe_timeout_ms = (int)config_int(cfg, "engine.probe_timeout_ms"),
        .rules = {
            .down_after = (int)config_int(cfg, "engine.down_after"),
            .degraded_window = (int)config_int(cfg, "engine.degraded_window"),
            .slow_ms = (int)config_int(cfg, "engine.slow_ms"),
            .heartbeat_degraded_s = (int)config_int(cfg, "engine.heartbeat_degraded_s"),
            .heartbeat_down_s = (int)config_int(cfg, "engine.heartbeat_down_s"),
        },
        .headless = headless,
        .repeat_interval_s = config_int(cfg, "notify.repeat_interval"),
    };
}

/* The snapshot box and the engine. 0, or -1 (reported). */
static int app_start_engine(App *a)
{
    char err[512];
    a->box = snapshot_box_new();
    EngineOpts eo = engine_settings(a->cfg, a->db_path, a->cli.headless);
    a->engine = engine_start(&eo, a->box, err, sizeof err);
    if (!a->engine) {
        fprintf(stderr, "resops: %s\n", err);
        return -1;
    }
    if (engine_is_primary(a->engine))
        log_info("resops %s: engine on %s, checks every %d s", RESOPS_VERSION, a->db_path,
                 eo.check_interval_s);
    else
        log_info("resops %s: viewer on %s (another resops runs the checks; this one takes "
                 "over, checking every %d s, if that one stops)", RESOPS_VERSION, a->db_path,
                 eo.check_interval_s);
    return 0;
}

/* Signals, curl, the engine, then the listener and the engine's helpers
 * (notifier, runner, metrics). 0, or -1 (reported): a failed start. */
static int app_start(App *a)
{
    app_block_signals(a);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    a->curl_up = 1;
    if (app_start_engine(a) < 0)
        return -1;
    int api_fatal = 0;
    a->api = start_api(a->cfg, &a->cli, a->db_path, &api_fatal);
    if (api_fatal)
        return -1;
    int syslog_fatal = 0;
    a->syslogd = start_syslogd(a->cfg, a->db_path, &syslog_fatal);
    if (syslog_fatal)
        return -1;
    a->started = 1;
    a->addr = api_address(a->cfg, a->api);
    engine_set_api(a->engine, a->addr);     /* viewers show it (B21) */
    a->notifier = start_notifier(a->cfg, a->db_path, a->engine);
    a->runner = start_runner(a->cfg, a->db_path, a->engine);
    a->secpipe = start_secpipe(a->db_path, a->engine);   /* issue 12 */
    a->sm = start_metrics(a->cfg, a->db_path, a->box, a->engine);
    return 0;
}

/* ---- SIGHUP: reload the configuration ------------------------------------ */

/* What a reload changed: the names, for the log's summary and the audit. */
typedef struct ReloadNote {
    StrBuf applied, restart;
} ReloadNote;

static void note_change(void *ctx, const char *name, const char *old_text, const char *new_text,
                        int reloads)
{
    ReloadNote *rn = ctx;
    if (reloads) {
        log_info("resops: reload: %s = %s (was %s)", name, new_text, old_text);
        strbuf_appendf(&rn->applied, "%s%s", rn->applied.s ? ", " : "", name);
    } else {
        log_warn("resops: reload: %s = %s needs a restart; it stays %s until then", name,
                 new_text, old_text);
        strbuf_appendf(&rn->restart, "%s%s", rn->restart.s ? ", " : "", name);
    }
}

/* One audit row "Config Reloaded" naming what changed, written by the
 * domain (config_audit) on a short-lived connection of main's own. */
static void audit_reload(const char *db_path, const ReloadNote *rn)
{
    Store *st;
    char err[512];
    if (store_open(db_path, &st, err, sizeof err) < 0) {
        log_warn("resops: reload: no audit row: %s", err);
        return;
    }
    if (config_audit_reloaded(st, rn->applied.s, rn->restart.s, util_now()) < 0)
        log_warn("resops: reload: the audit row could not be written");
    store_close(st);
}

/* SIGHUP, on the main thread: read the configuration again (the file of
 * the start, the environment, the flags); a bad one is logged and nothing
 * changes. Else the reloadable settings go to the threads, the others
 * keep their running values (config_keep_running), and the new Config
 * becomes a->cfg; the old one is kept until exit (threads may still hold
 * its strings). */
static void app_reload(App *a)
{
    char err[512];
    Config *next = config_new();
    if (read_config(next, &a->cli, err, sizeof err) < 0) {
        log_error("resops: SIGHUP: configuration not reloaded (the running one stays): %s", err);
        config_free(next);
        return;
    }
    ReloadNote rn = {0};
    int n = config_diff(a->cfg, next, note_change, &rn);
    config_keep_running(next, a->cfg);
    a->retired = xrealloc(a->retired, (a->nretired + 1) * sizeof *a->retired);
    a->retired[a->nretired++] = a->cfg;
    a->cfg = next;
    apply_process_settings(next);
    EngineOpts eo = engine_settings(next, a->db_path, a->cli.headless);
    engine_reconfigure(a->engine, &eo);
    NotifyConfig nc;
    NotifyPolicy np;
    notify_settings(next, &nc, &np);
    notifier_reconfigure(a->notifier, &nc, &np);
    log_info("resops: SIGHUP: configuration reloaded: %d changed (applied: %s; needs a "
             "restart: %s)", n, rn.applied.s ? rn.applied.s : "none",
             rn.restart.s ? rn.restart.s : "none");
    audit_reload(a->db_path, &rn);
    strbuf_free(&rn.applied);
    strbuf_free(&rn.restart);
}

/* The console's hook: tui.c calls it on SIGHUP while the terminal answers. */
static void tui_reload(void *ctx) { app_reload(ctx); }

/* Until a stop signal (headless) or the console quits: the exit code. */
static int app_run(App *a)
{
    int rc = 0, sig = 0;
    char err[512];
    if (a->cli.headless) {
        while (sigwait(&a->sigs, &sig) == 0 && sig == SIGHUP)
            app_reload(a);
        log_info("resops: %s received, shutting down", strsignal(sig));
    } else {
        TuiOpts to = {
            .db_path = a->db_path,
            .source = snapshot_box_source(a->box, tui_request, a->engine),
            .signals = &a->tui_sigs,
            .kick = tui_kick,
            .is_primary = tui_is_primary,
            .ctx = a->engine,
            .listen_addr = a->addr,
            .engine_api = tui_engine_api,
            .engine_tick = tui_engine_tick,
            .started_ms = a->started_ms,
            .reload = tui_reload,
            .reload_ctx = a,
        };
        sig = tui_run(&to, err, sizeof err);
        if (sig < 0) {
            fprintf(stderr, "resops: %s\n", err);
            rc = 1;
        } else if (sig > 0) {
            log_info("resops: %s received, shutting down", strsignal(sig));
        }
    }
    return rc;
}

/* Stop and free whatever a started, in this order. */
static void app_stop(App *a)
{
    free(a->addr);
    syslogd_stop(a->syslogd);  /* messages already read are stored first */
    sysmetrics_stop(a->sm);
    api_stop(a->api);          /* in-flight requests finish before the engine stops */
    secpipe_stop(a->secpipe);  /* issue 12: the batch in progress finishes */
    runner_stop(a->runner);    /* steps in flight are abandoned; they run again at start */
    notifier_stop(a->notifier); /* unfinished sends stay queued for the next engine */
    engine_stop(a->engine);
    if (similarity_save() < 0)  /* issue 12 (vec): what arrived since the last build */
        log_warn("resops: could not write the similarity index (the next start catches up)");
    similarity_reset();
    store_close(a->st);
    snapshot_box_free(a->box);
    if (a->curl_up)
        curl_global_cleanup();
    if (!a->started && !a->temp_demo)
        run_files_undo(&a->rf, a->db_path, a->users_fd);  /* a failed start leaves nothing (N4) */
    if (a->temp_demo)
        remove_demo_dir(a->db_path, a->users_fd);   /* closes users_fd */
    else if (a->users_fd >= 0)
        close(a->users_fd);
    free(a->rf.log_path);
    free(a->db_path);
    free(a->playbook_json);
    config_free(a->cfg);
    for (size_t i = 0; i < a->nretired; i++)
        config_free(a->retired[i]);
    free(a->retired);
    if (a->started)
        log_info("resops: stopped cleanly");
}

int main(int argc, char **argv)
{
    util_malloc_tune();
    App a = {.started_ms = util_mono_ms(), .users_fd = -1};
    if (argc > 1 && strcmp(argv[1], "probe") == 0)
        return run_probe_cmd(argc, argv, cli_probe);
    if (argc > 1 && strcmp(argv[1], "token") == 0)       /* issue 12 item 2 */
        return run_probe_cmd(argc, argv, cli_token);
    int rc = 1;
    if (app_configure(&a, argc, argv, &rc) < 0)
        return rc;
    if (a.cli.seed_mode) {
        rc = run_seed(a.db_path, &a.cli, a.cfg, a.cli.seed_demo);   /* never a temporary demo */
        free(a.db_path);
        config_free(a.cfg);
        return rc;
    }

    rc = 1;
    run_files_note(&a.rf, a.db_path);
    if (app_open_db(&a) == 0 && app_start(&a) == 0)
        rc = app_run(&a);
    app_stop(&a);
    return rc;
}
