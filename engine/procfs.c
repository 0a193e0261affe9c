/* procfs — see procfs.h. */
#include "procfs.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- parsers ------------------------------------------------------------------ */

static int parse_cpu_line(const char *line, ProcfsCpu *out)
{
    uint64_t v[8] = {0};
    const char *p = line;
    while (*p && *p != ' ')
        p++;
    int n = sscanf(p, " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                      " %" SCNu64 " %" SCNu64,
                   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    if (n < 4)
        return -EINVAL;
    /* user nice system idle iowait irq softirq steal: idle + iowait are idle */
    out->total = 0;
    for (int i = 0; i < 8; i++)
        out->total += v[i];
    out->busy = out->total - v[3] - v[4];
    return 0;
}

int procfs_parse_stat(const char *text, ProcfsCpu *all, ProcfsCpu *cores, int maxcores,
                      int *ncores)
{
    memset(all, 0, sizeof *all);
    *ncores = 0;
    const char *line = text;
    int found = 0;
    while (line && *line) {
        if (!strncmp(line, "cpu ", 4)) {
            if (parse_cpu_line(line, all) < 0)
                return -EINVAL;
            found = 1;
        } else if (!strncmp(line, "cpu", 3) && isdigit((unsigned char)line[3])) {
            int idx = atoi(line + 3);
            ProcfsCpu t;
            if (idx >= 0 && idx < maxcores && parse_cpu_line(line, &t) == 0) {
                cores[idx] = t;
                if (idx + 1 > *ncores)
                    *ncores = idx + 1;
            }
        } else if (found) {
            break;                        /* the cpu lines come first */
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return found ? 0 : -EINVAL;
}

static double meminfo_field(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (!strncmp(p, key, kl))
            return strtod(p + kl, NULL);
    return -1;
}

int procfs_parse_meminfo(const char *text, ProcfsMem *out)
{
    out->total_kb = meminfo_field(text, "MemTotal:");
    out->available_kb = meminfo_field(text, "MemAvailable:");
    out->swap_total_kb = meminfo_field(text, "SwapTotal:");
    out->swap_free_kb = meminfo_field(text, "SwapFree:");
    if (out->total_kb <= 0)
        return -EINVAL;
    if (out->available_kb < 0) {                 /* kernels before 3.14 */
        double f = meminfo_field(text, "MemFree:");
        double b = meminfo_field(text, "Buffers:");
        double c = meminfo_field(text, "Cached:");
        out->available_kb = (f > 0 ? f : 0) + (b > 0 ? b : 0) + (c > 0 ? c : 0);
    }
    if (out->swap_total_kb < 0)
        out->swap_total_kb = 0;
    if (out->swap_free_kb < 0)
        out->swap_free_kb = 0;
    return 0;
}

int procfs_parse_loadavg(const char *text, double out[3])
{
    /* strtod follows LC_NUMERIC, which the console sets from the user's
     * locale; /proc always writes a '.' */
    const char *p = text;
    for (int i = 0; i < 3; i++) {
        while (*p == ' ')
            p++;
        if (!isdigit((unsigned char)*p))
            return -EINVAL;
        double v = 0, scale = 1;
        for (; isdigit((unsigned char)*p); p++)
            v = v * 10 + (*p - '0');
        if (*p == '.')
            for (p++; isdigit((unsigned char)*p); p++)
                v += (*p - '0') * (scale /= 10);
        out[i] = v;
    }
    return 0;
}

int procfs_parse_netdev(const char *text, uint64_t *out_rx, uint64_t *out_tx)
{
    uint64_t rx = 0, tx = 0;
    int found = 0;
    const char *line = text;
    while (line && *line) {
        const char *colon = strchr(line, ':');
        const char *nl = strchr(line, '\n');
        if (colon && (!nl || colon < nl)) {
            const char *name = line;
            while (*name == ' ')
                name++;
            if (!(colon - name == 2 && !strncmp(name, "lo", 2))) {
                uint64_t v[9];
                if (sscanf(colon + 1, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                                      " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                                      " %" SCNu64,
                           &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
                    rx += v[0];
                    tx += v[8];
                }
            }
            found = 1;
        }
        line = nl ? nl + 1 : NULL;
    }
    *out_rx = rx;
    *out_tx = tx;
    return found ? 0 : -EINVAL;
}

/* prefix followed by letters only (sda, vdb, xvdc) */
static int letters_after(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0 || !name[n])
        return 0;
    for (const char *p = name + n; *p; p++)
        if (!islower((unsigned char)*p))
            return 0;
    return 1;
}

int procfs_whole_disk(const char *name)
{
    if (letters_after(name, "sd") || letters_after(name, "hd") || letters_after(name, "vd") ||
        letters_after(name, "xvd"))
        return 1;
    /* nvme0n1 (not nvme0n1p2), mmcblk0 (not mmcblk0p1) */
    const char *p = NULL;
    if (!strncmp(name, "nvme", 4)) {
        p = name + 4;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
        if (*p++ != 'n' || !isdigit((unsigned char)*p))
            return 0;
    } else if (!strncmp(name, "mmcblk", 6)) {
        p = name + 6;
        if (!isdigit((unsigned char)*p))
            return 0;
    } else {
        return 0;
    }
    while (isdigit((unsigned char)*p))
        p++;
    return *p == '\0';
}

int procfs_parse_diskstats(const char *text, uint64_t *out_read, uint64_t *out_written)
{
    uint64_t rd = 0, wr = 0;
    int found = 0;
    for (const char *line = text; line && *line;) {
        unsigned major, minor;
        char name[64];
        uint64_t v[7];
        if (sscanf(line, " %u %u %63s %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                         " %" SCNu64 " %" SCNu64,
                   &major, &minor, name, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]) == 10) {
            found = 1;
            if (procfs_whole_disk(name)) {
                rd += v[2];           /* sectors read */
                wr += v[6];           /* sectors written */
            }
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    *out_read = rd;
    *out_written = wr;
    return found ? 0 : -EINVAL;
}

static void unescape_octal(const char *in, char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = in; *p && o + 1 < size; p++) {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
            p[3] >= '0' && p[3] <= '7') {
            out[o++] = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
            p += 3;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

int procfs_parse_mounts(const char *text, ProcfsMount *out, int max)
{
    static const char *const local[] = {
        "ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "vfat", "exfat", "ntfs",
        "ntfs3", "jfs", "reiserfs", "bcachefs", "fuseblk", NULL,
    };
    char devs[METRICS_MAX_MOUNTS][128];
    int n = 0;
    for (const char *line = text; line && *line && n < max && n < METRICS_MAX_MOUNTS;) {
        char dev[256], path[256], type[64];
        if (sscanf(line, "%255s %255s %63s", dev, path, type) == 3) {
            char upath[256];
            unescape_octal(path, upath, sizeof upath);
            int ok = !strcmp(upath, "/");
            for (int i = 0; !ok && local[i]; i++)
                ok = !strcmp(type, local[i]);
            for (int i = 0; ok && i < n; i++)
                if (!strcmp(devs[i], dev) || !strcmp(out[i].path, upath))
                    ok = 0;                /* a bind mount of one we have */
            if (ok && strlen(upath) < sizeof out[n].path) {
                strlcpy_(devs[n], dev, sizeof devs[n]);
                strlcpy_(out[n].path, upath, sizeof out[n].path);
                strlcpy_(out[n].fstype, type, sizeof out[n].fstype);
                n++;
            }
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return n;
}

double procfs_cpu_percent(const ProcfsCpu *prev, const ProcfsCpu *cur)
{
    if (cur->total <= prev->total || cur->busy < prev->busy)
        return 0;
    double p = 100.0 * (double)(cur->busy - prev->busy) / (double)(cur->total - prev->total);
    return p > 100 ? 100 : p;
}

/* ---- reading ------------------------------------------------------------------ */

int procfs_read_file(const char *root, const char *leaf, char *buf, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, leaf);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t len = 0;
    ssize_t r;
    while (len + 1 < size && (r = read(fd, buf + len, size - 1 - len)) > 0)
        len += (size_t)r;
    close(fd);
    buf[len] = '\0';
    return 0;
}

void procfs_read(const char *root, ProcfsReading *r, char *buf, size_t size)
{
    memset(r, 0, sizeof *r);
    r->have_cpu = procfs_read_file(root, "stat", buf, size) == 0 &&
                  procfs_parse_stat(buf, &r->cpu, r->core, METRICS_MAX_CORES, &r->ncores) == 0;
    r->have_mem = procfs_read_file(root, "meminfo", buf, size) == 0 &&
                  procfs_parse_meminfo(buf, &r->mem) == 0;
    r->have_load = procfs_read_file(root, "loadavg", buf, size) == 0 &&
                   procfs_parse_loadavg(buf, r->load) == 0;
    r->have_net = procfs_read_file(root, "net/dev", buf, size) == 0 &&
                  procfs_parse_netdev(buf, &r->rx, &r->tx) == 0;
    r->have_disk = procfs_read_file(root, "diskstats", buf, size) == 0 &&
                   procfs_parse_diskstats(buf, &r->rd, &r->wr) == 0;
}

static double rate(uint64_t prev, uint64_t cur, double secs)
{
    return cur >= prev && secs > 0 ? (double)(cur - prev) / secs : 0;
}

void procfs_compute(const ProcfsReading *a, const ProcfsReading *b, double secs, MetricSample *s)
{
    if (a->have_cpu && b->have_cpu) {
        s->v[MET_CPU] = procfs_cpu_percent(&a->cpu, &b->cpu);
        s->ncores = b->ncores < a->ncores ? b->ncores : a->ncores;
        for (int i = 0; i < s->ncores; i++)
            s->cores[i] = procfs_cpu_percent(&a->core[i], &b->core[i]);
    }
    if (b->have_mem) {
        const ProcfsMem *mem = &b->mem;
        s->v[MET_MEMORY] = 100.0 * (mem->total_kb - mem->available_kb) / mem->total_kb;
        s->v[MET_SWAP] = mem->swap_total_kb > 0
                             ? 100.0 * (mem->swap_total_kb - mem->swap_free_kb) / mem->swap_total_kb
                             : 0;
    }
    if (b->have_load) {
        s->v[MET_LOAD1] = b->load[0];
        s->v[MET_LOAD5] = b->load[1];
        s->v[MET_LOAD15] = b->load[2];
    }
    if (a->have_net && b->have_net) {
        s->v[MET_NET_RX] = rate(a->rx, b->rx, secs);
        s->v[MET_NET_TX] = rate(a->tx, b->tx, secs);
    }
    if (a->have_disk && b->have_disk) {
        s->v[MET_DISK_READ] = rate(a->rd, b->rd, secs) * 512;
        s->v[MET_DISK_WRITE] = rate(a->wr, b->wr, secs) * 512;
    }
}
