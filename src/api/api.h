/* api — the HTTP listener (libmicrohttpd): seed 000's REST API under /api
 * with JWT auth, roles and audit, plus /api/healthz and /api/openapi.json.
 *
 * api_start() binds, then serves from an internal thread pool (epoll).
 * Each worker thread opens its own Store on first use (design rule 3) and
 * closes it when the thread ends. api_stop() stops accepting, lets
 * in-flight requests finish (up to 5 s), then stops the threads.
 * api_start() raises RLIMIT_NOFILE to its hard limit (process-wide) and
 * sizes the connection limit from it.
 *
 * Thread: api_start/api_stop from the main thread.
 */
#ifndef RESOPS_API_H
#define RESOPS_API_H

#include <stddef.h>

typedef struct ApiOpts {
    const char *listen;            /* "HOST:PORT" or "[V6]:PORT"; port 0 = any */
    const char *db_path;
    const char *jwt_secret;        /* "" = generated once into "<db>.jwt-secret" */
    int         open_signup;
    const char *password_limits;   /* "interactive" (default) | "moderate" | "min" */
    const char *cors_origins;      /* comma-separated; "" = no CORS headers */
    const char *tls_cert, *tls_key; /* PEM files; both or neither */
    int         threads;           /* worker threads; 0 = 4 */
    int         token_ttl_s;       /* 0 = 3600 (seed 000: 1 hour) */
    const char *admin_token;       /* seed 004 x-admin-token; NULL or "" = off */
    /* abuse limits; 0 = the default */
    int         header_timeout_s;  /* a request's headers must arrive within this */
    int         body_timeout_s;    /* ... and its whole body within this */
    int         max_connections;   /* 0 = from RLIMIT_NOFILE (at most 4096) */
    int         max_connections_per_ip;
    int         slow_max;          /* resolve requests waiting at once (503 beyond) */
    int         slow_per_user;     /* ... of them for one user (429 beyond) */
    const char *docs_dir;          /* issue 12: the packaged Swagger UI's files; NULL or ""
                                    * = API_DOCS_DIR_DEFAULT */
    /* issue 12: durable ingestion */
    long        upload_max_bytes;  /* body limit of ROUTE_LARGE_BODY routes; 0 = 16 MiB */
} ApiOpts;

#define API_HEADER_TIMEOUT_DEFAULT 10
#define API_BODY_TIMEOUT_DEFAULT   30
#define API_PER_IP_DEFAULT         512
#define API_SLOW_MAX_DEFAULT       64
#define API_SLOW_PER_USER_DEFAULT  32
/* Debian's python3-flasgger ships Swagger UI 3's dist here (README) */
#define API_DOCS_DIR_DEFAULT "/usr/lib/python3/dist-packages/flasgger/ui3/static"

typedef struct ApiServer ApiServer;

/* NULL with err filled when the address, TLS files or secret are bad. */
ApiServer *api_start(const ApiOpts *opts, char *err, size_t errsz);
/* The bound TCP port (useful after port 0). */
int        api_port(const ApiServer *s);
/* Graceful stop; NULL is fine. */
void       api_stop(ApiServer *s);

#endif
