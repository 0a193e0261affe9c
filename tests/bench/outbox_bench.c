/* outbox_bench — how fast the notifier drains a backlog (issue 5: 10,000
 * queued notifications to a local receiver at over 1,000/s).
 *
 * usage: outbox_bench [N] [--rows]
 *   N       notifications (default 10000)
 *   --rows  queue ready delivery rows instead of events (skips fan-out)
 *
 * Queues N alert events on N services (one transaction, as a burst of
 * alerts would) with the generic webhook configured and a signing secret,
 * starts the
 * notifier, and times until every row is delivered. The receiver is
 * libmicrohttpd in this process (a thread pool answering 200 after reading
 * the body), so the figure is the notifier's: fan-out, claiming, HMAC, the
 * curl multi loop and recording outcomes. Prints the rate and MISSED when
 * it is under 1,000/s. Run it from an optimized, non-sanitized build.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bench_result.h"
#include "notifier.h"
#include "util.h"
#include "domain/notify.h"
#include "store/db.h"
#include "store/outbox_repo.h"

#define TARGET_RATE 1000.0

static long received;

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **ptr)
{
    static int started;
    (void)cls; (void)url; (void)method; (void)version; (void)data;
    if (!*ptr) {
        *ptr = &started;
        return MHD_YES;
    }
    if (*size) {
        *size = 0;
        return MHD_YES;
    }
    __atomic_add_fetch(&received, 1, __ATOMIC_RELAXED);
    struct MHD_Response *r = MHD_create_response_from_buffer(2, (void *)"ok",
                                                             MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static int queue(Store *st, int n, int rows, const char *url, int64_t now)
{
    if (store_begin(st) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        char msg[64], key[64];
        snprintf(msg, sizeof msg, "cpu at %d%%", 80 + i % 20);
        /* a burst over many services: each (service, type) is its own
         * delivery order, as alert dedup makes it in real life */
        NotifyEvent ev = {.source = "bench", .id = i + 1, .event = "raised", .type = "cpu",
                          .service_id = i + 1,
                          .severity = "Warning", .message = msg, .has_value = 1,
                          .value = 80 + i % 20, .ts = now};
        int r;
        if (rows) {
            char *payload = notify_payload_webhook(&ev, now * 1000);
            snprintf(key, sizeof key, "bench-%d", i);
            OutboxNew nr = {.channel = "webhook", .target = url, .payload = payload,
                            .idempotency_key = key, .created_ms = now * 1000,
                            .due_ms = now * 1000};
            r = outbox_repo_insert(st, &nr);
            free(payload);
        } else {
            r = notify_event(st, &ev, now);
        }
        if (r < 0) {
            store_rollback(st);
            return -1;
        }
    }
    return store_commit(st);
}

int main(int argc, char **argv)
{
    int n = 10000, rows = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rows"))
            rows = 1;
        else if ((n = atoi(argv[i])) <= 0) {
            fprintf(stderr, "usage: outbox_bench [N] [--rows]\n");
            return 2;
        }
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, answer, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, 4U, MHD_OPTION_CONNECTION_LIMIT, 1000U, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "outbox_bench: cannot start the receiver\n");
        return 1;
    }
    int port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    char dir[] = "/tmp/resops-outbox-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char db[128], url[64], err[256];
    snprintf(db, sizeof db, "%s/b.db", dir);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hook", port);
    Store *st;
    if (store_open(db, &st, err, sizeof err) < 0) {
        fprintf(stderr, "outbox_bench: %s\n", err);
        return 1;
    }
    int64_t t0 = util_mono_ms();
    if (queue(st, n, rows, url, util_now()) < 0) {
        fprintf(stderr, "outbox_bench: queueing failed: %s\n", store_errmsg(st));
        return 1;
    }
    int64_t queued_ms = util_mono_ms() - t0;

    NotifierOpts o = {
        .db_path = db,
        .cfg = {.webhook_url = url, .webhook_secret = "bench-secret"},
        .policy = {.retries = 3, .backoff_s = 1.0, .max_age_s = 86400},
    };
    t0 = util_mono_ms();
    Notifier *nt = notifier_start(&o, err, sizeof err);
    if (!nt) {
        fprintf(stderr, "outbox_bench: %s\n", err);
        return 1;
    }
    NotifierStats s;
    int64_t fanned_ms = rows ? 0 : -1;
    for (;;) {
        notifier_stats(nt, &s);
        if (fanned_ms < 0 && s.fanned_out >= n)
            fanned_ms = util_mono_ms() - t0;
        if (s.delivered + s.dead >= n || util_mono_ms() - t0 > 120000)
            break;
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int64_t drain_ms = util_mono_ms() - t0;
    notifier_stop(nt);
    int backlog = -1, dead = -1;
    notify_counts(st, &backlog, &dead);
    double rate = drain_ms > 0 ? n * 1000.0 / (double)drain_ms : 0;
    printf("outbox: %d %s queued in %lld ms; drained in %lld ms (fan-out done at %lld ms): "
           "%.0f notifications/s %s\n", n, rows ? "delivery rows" : "alert events",
           (long long)queued_ms, (long long)drain_ms, (long long)fanned_ms, rate,
           rate > TARGET_RATE ? "(target > 1000/s: ok)" : "MISSED (target > 1000/s)");
    printf("outbox: receiver got %ld requests; %ld delivered, %ld retried, %ld dead; "
           "backlog %d, dead rows %d\n", __atomic_load_n(&received, __ATOMIC_RELAXED),
           s.delivered, s.retried, s.dead, backlog, dead);
    bench_result(rate, "notifications/s", NULL, "outbox.rate");
    bench_result(n, "notifications", NULL, "outbox.n");
    bench_result(backlog == 0 && dead == 0, "bool", NULL, "outbox.all_delivered");
    store_close(st);
    MHD_stop_daemon(d);
    char *cmd = xasprintf("rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "outbox_bench: could not remove %s\n", dir);
    free(cmd);
    curl_global_cleanup();
    return backlog == 0 && dead == 0 ? 0 : 1;
}
