/* h_docs — the Swagger UI of /api/openapi.json: GET /api/docs/ui (and
 * /api/docs/ui/) and its files GET /api/docs/ui/{file}.
 *
 * Swagger UI itself is not ours: its bundle, preset, CSS and icons are
 * the files of a packaged distribution in the directory api.docs_dir
 * (default: Debian's python3-flasgger, which ships Swagger UI 3's dist;
 * README "API docs (Swagger UI)"). Ours are only the page and
 * swagger-initializer.js (data/swagger-ui/, built into the binary), which
 * load that bundle with absolute paths and point it at /api/openapi.json.
 *
 * A file is read from api.docs_dir on its first request and kept for the
 * life of the process (responses borrow it: MHD sends it after the
 * handler returned), so a changed directory needs a restart. Names are one
 * path segment of [A-Za-z0-9._-] not starting with a dot, with a known
 * extension; anything else is 404.
 */
#include "api/api.h"
#include "api/handlers.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern const char api_docs_index_html[];
extern const unsigned long api_docs_index_html_len;
extern const char api_docs_initializer_js[];
extern const unsigned long api_docs_initializer_js_len;

#define DOCS_BUNDLE    "swagger-ui-bundle.js"
#define DOCS_FILES_MAX 32
#define DOCS_FILE_MAX  (32L * 1024 * 1024)

static const struct {
    const char *ext, *type;
} doc_types[] = {
    {".js", "application/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".html", "text/html; charset=utf-8"},
    {".png", "image/png"},
    {".map", "application/json"},
};

typedef struct DocFile {
    char  *path;
    char  *data;
    size_t len;
} DocFile;

/* The files read so far (see the top comment); kept until exit. */
static pthread_mutex_t docs_mu = PTHREAD_MUTEX_INITIALIZER;
static DocFile         docs[DOCS_FILES_MAX];
static int             ndocs;

static const char *docs_dir(const ApiReq *rq)
{
    return rq->cfg->docs_dir && *rq->cfg->docs_dir ? rq->cfg->docs_dir : API_DOCS_DIR_DEFAULT;
}

static const char *type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof doc_types / sizeof doc_types[0]; i++)
        if (strcmp(dot, doc_types[i].ext) == 0)
            return doc_types[i].type;
    return NULL;
}

static int name_ok(const char *name)
{
    if (!name || !*name || name[0] == '.')
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return type_of(name) != NULL;
}

/* The whole file (malloc'd) or NULL with errno set. */
static char *read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > DOCS_FILE_MAX) {
        fclose(f);
        errno = ENOENT;
        return NULL;
    }
    size_t n = (size_t)sb.st_size;
    char *data = xmalloc(n + 1);
    size_t got = fread(data, 1, n, f);
    fclose(f);
    if (got != n) {
        free(data);
        errno = EIO;
        return NULL;
    }
    data[n] = '\0';
    *out_len = n;
    return data;
}

/* The kept file at path, read now if it is not kept yet; NULL when it
 * cannot be read. */
static const DocFile *doc_file(const char *path)
{
    const DocFile *hit = NULL;
    pthread_mutex_lock(&docs_mu);
    for (int i = 0; i < ndocs && !hit; i++)
        if (strcmp(docs[i].path, path) == 0)
            hit = &docs[i];
    if (!hit && ndocs < DOCS_FILES_MAX) {
        size_t len = 0;
        char *data = read_file(path, &len);
        if (data) {
            docs[ndocs] = (DocFile){.path = xstrdup(path), .data = data, .len = len};
            hit = &docs[ndocs++];
        }
    }
    pthread_mutex_unlock(&docs_mu);
    return hit;
}

/* 404 unless the packaged bundle is in the docs directory. */
static int bundle_present(ApiReq *rq, ApiResp *rs)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", docs_dir(rq), DOCS_BUNDLE);
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
        return 1;
    api_send_error(rs, 404, "Swagger UI is not installed: %s not found (install the Debian "
                   "package python3-flasgger, or set api.docs_dir to a swagger-ui dist folder)",
                   path);
    return 0;
}

static void send_static(ApiResp *rs, const char *data, size_t len, const char *type)
{
    rs->status = 200;
    rs->static_body = data;
    rs->static_len = len;
    rs->content_type = type;
}

void h_docs_ui(ApiReq *rq, ApiResp *rs)
{
    if (bundle_present(rq, rs))
        send_static(rs, api_docs_index_html, api_docs_index_html_len, doc_types[2].type);
}

void h_docs_file(ApiReq *rq, ApiResp *rs)
{
    const char *name = rq->key;
    if (name && strcmp(name, "index.html") == 0) {
        h_docs_ui(rq, rs);
        return;
    }
    if (name && strcmp(name, "swagger-initializer.js") == 0) {
        send_static(rs, api_docs_initializer_js, api_docs_initializer_js_len, doc_types[0].type);
        return;
    }
    if (!name_ok(name)) {
        api_send_error(rs, 404, "Not found: %s", rq->path);
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", docs_dir(rq), name);
    const DocFile *f = doc_file(path);
    if (!f) {
        if (bundle_present(rq, rs))
            api_send_error(rs, 404, "Not found: %s (no such file in %s)", rq->path, docs_dir(rq));
        return;
    }
    send_static(rs, f->data, f->len, type_of(name));
}
