/* secpipe — see secpipe.h. */
#include "secpipe.h"
#include "domain/secalerts.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct Secpipe {
    SecpipeOpts  o;
    char        *db_path;
    Store       *st;
    pthread_t    thread;
    atomic_int   stopping;
    atomic_llong processed;
};

static void *pipe_main(void *arg)
{
    Secpipe *p = arg;
    int failing = 0;
    while (!atomic_load(&p->stopping)) {
        int n = 0;
        if (!p->o.engine || engine_is_primary(p->o.engine)) {
            n = secalerts_process(p->st, p->o.batch, util_now());
            if (n < 0) {
                if (!failing)
                    log_error("secpipe: processing failed: %s", store_errmsg(p->st));
                failing = 1;
            } else {
                if (failing)
                    log_info("secpipe: processing again");
                failing = 0;
                atomic_fetch_add(&p->processed, n);
            }
        }
        if (n < p->o.batch)   /* a full batch: more may wait, go on at once */
            secalerts_wait_kick(p->o.poll_ms);
    }
    return NULL;
}

Secpipe *secpipe_start(const SecpipeOpts *opts, char *err, size_t errsz)
{
    Secpipe *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errsz, "secpipe: out of memory");
        return NULL;
    }
    p->o = *opts;
    if (p->o.batch <= 0)
        p->o.batch = 256;
    if (p->o.poll_ms <= 0)
        p->o.poll_ms = 1000;
    p->db_path = strdup(opts->db_path);
    int rc = p->db_path ? store_open(p->db_path, &p->st, err, errsz) : -ENOMEM;
    if (rc < 0) {
        free(p->db_path);
        free(p);
        return NULL;
    }
    store_set_actor(p->st, "pipeline");
    if (pthread_create(&p->thread, NULL, pipe_main, p) != 0) {
        snprintf(err, errsz, "secpipe: cannot start a thread");
        store_close(p->st);
        free(p->db_path);
        free(p);
        return NULL;
    }
    return p;
}

void secpipe_stop(Secpipe *p)
{
    if (!p)
        return;
    atomic_store(&p->stopping, 1);
    secalerts_kick();
    pthread_join(p->thread, NULL);
    store_close(p->st);
    log_info("secpipe: stopped (%lld alerts processed)", (long long)atomic_load(&p->processed));
    free(p->db_path);
    free(p);
}

int64_t secpipe_processed(Secpipe *p)
{
    return p ? (int64_t)atomic_load(&p->processed) : 0;
}
