/* fuzz_db — see fuzz_db.h. The seed is the demo's (domain/seed.c), so the
 * handlers meet the rows a newcomer sees: a dozen services with BIA and
 * dependencies, three incidents, the Admin "admin"; an alert and a
 * security alert are added here. The pristine copy is taken after the
 * Store is closed (its WAL checkpointed into the main file). */
#include "fuzz_db.h"

#include "domain/alerts.h"
#include "domain/secalerts.h"
#include "domain/seed.h"
#include "log.h"
#include "store/db.h"
#include "util.h"

#include <sodium.h>
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static FuzzDb *cleanup_db;

static void die(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_db: %s: %s\n", what, err);
    abort();
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out)
        die("copy", from);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            die("copy", to);
    fclose(in);
    if (fclose(out) != 0)
        die("copy", to);
}

static void remove_files(const FuzzDb *db, int pristine_too)
{
    static const char *const tails[] = {"", "-wal", "-shm", ".jwt-secret"};
    char p[160];
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        snprintf(p, sizeof p, "%s%s", db->path, tails[i]);
        unlink(p);
    }
    if (pristine_too)
        unlink(db->pristine);
}

static void at_exit(void)
{
    if (!cleanup_db)
        return;
    store_close(cleanup_db->st);
    cleanup_db->st = NULL;
    remove_files(cleanup_db, 1);
    rmdir(cleanup_db->dir);
}

static void reopen(FuzzDb *db)
{
    char err[256];
    if (store_open(db->path, &db->st, err, sizeof err) < 0)
        die("store_open", err);
}

/* The rows the demo has no instance of: an open alert, a security alert. */
static void seed_extra(FuzzDb *db)
{
    char err[256];
    if (alerts_raise(db->st, 1, "status_down", SEV_CRITICAL, "fuzz fixture", db->now, NULL) < 0)
        die("alerts_raise", store_errmsg(db->st));
    static const char raw[] = "{\"id\":\"alert-123\",\"payload\":{\"message\":\"ssh brute force "
                              "from 10.0.0.5\",\"severity\":\"high\"}}";
    SecIngest in = {.id = "alert-123", .source = "raw", .raw = raw, .raw_len = sizeof raw - 1};
    SecIngested out;
    if (secalerts_ingest(db->st, &in, &out, err, sizeof err) < 0)
        die("secalerts_ingest", err);
    if (secalerts_process(db->st, 16, db->now) < 0)
        die("secalerts_process", store_errmsg(db->st));
}

/* The demo accounts' passwords hashed at libsodium's minimum limits: a
 * login input then costs what a signup at PW_MIN does, not the 64 MiB
 * argon2id of the default (the target ran at a third of its speed). */
static void cheap_passwords(FuzzDb *db)
{
    static const char *const accounts[][2] = {
        {SEED_DEMO_ADMIN, SEED_DEMO_ADMIN_PASSWORD},
        {SEED_DEMO_USER, SEED_DEMO_USER_PASSWORD},
    };
    for (size_t i = 0; i < sizeof accounts / sizeof accounts[0]; i++) {
        char hash[crypto_pwhash_STRBYTES];
        if (crypto_pwhash_str(hash, accounts[i][1], strlen(accounts[i][1]),
                              crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN) != 0)
            die("crypto_pwhash_str", accounts[i][0]);
        sqlite3_stmt *s = store_stmt(db->st, "UPDATE user SET password = ? WHERE username = ?");
        if (!s)
            die("cheap_passwords", store_errmsg(db->st));
        sqlite3_bind_text(s, 1, hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, accounts[i][0], -1, SQLITE_STATIC);
        if (store_step_done(s) < 0)
            die("cheap_passwords", store_errmsg(db->st));
    }
}

void fuzz_db_open(FuzzDb *db, const char *tag)
{
    char err[256];
    memset(db, 0, sizeof *db);
    snprintf(db->dir, sizeof db->dir, "/tmp/fuzz-%s-XXXXXX", tag);
    if (!mkdtemp(db->dir))
        die("mkdtemp", db->dir);
    snprintf(db->path, sizeof db->path, "%s/fuzz.db", db->dir);
    snprintf(db->pristine, sizeof db->pristine, "%s/pristine.db", db->dir);
    cleanup_db = db;
    atexit(at_exit);
    /* a 500's cause goes to the log: quiet unless FUZZ_VERBOSE is set */
    log_set_level(LOG_ERROR);
    if (!getenv("FUZZ_VERBOSE")) {
        FILE *null = fopen("/dev/null", "w");
        if (null)
            log_set_file(null);
    }
    reopen(db);
    db->now = util_now();
    if (seed_demo(db->st, db->now, err, sizeof err) < 0)
        die("seed_demo", err);
    seed_extra(db);
    cheap_passwords(db);
    if (seed_demo_session(db->st, SEED_DEMO_ADMIN, db->now, 10 * 365 * 86400, &db->admin,
                          db->jti, err, sizeof err) < 0)
        die("seed_demo_session", err);
    store_close(db->st);
    copy_file(db->path, db->pristine);
    reopen(db);
}

void fuzz_db_reset(FuzzDb *db)
{
    store_close(db->st);
    db->st = NULL;
    remove_files(db, 0);
    copy_file(db->pristine, db->path);
    reopen(db);
}
