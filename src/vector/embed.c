/* embed — see embed.h.
 *
 * DESIGN. One pass splits the text into words: runs of letters, digits
 * and the joiners . _ - : / @ (so 10.0.0.1, user@host and /etc/passwd
 * stay whole), with the joiners trimmed from the ends, ASCII lowercased,
 * bytes >= 0x80 kept as letters (UTF-8 words survive). Each word adds
 * its unigram (weight 1), the pair with the previous word (0.7) and its
 * character 3- and 4-grams taken over " word " (0.4 each, so a word of
 * many pieces does not outweigh the word itself more than it should).
 * Bucket and sign come from different bits of one FNV-1a hash, each
 * feature kind salted so "ab" the word and "ab" the piece differ.
 */
#include "vector/embed.h"
#include "vector/vecmat.h"

#include <stdint.h>
#include <string.h>

#define MAX_WORD 64

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static const uint64_t FNV_BASIS = 0xcbf29ce484222325ull;

static void add(float *out, int dim, uint64_t h, float w)
{
    /* finalise (the low bits of FNV-1a mix poorly): a splitmix64 step */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    out[(h >> 1) % (uint64_t)dim] += (h & 1) ? w : -w;
}

static int is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c >= 0x80 || c == '.' || c == '_' || c == '-' || c == ':' || c == '/' || c == '@';
}

static int is_joiner(unsigned char c)
{
    return c == '.' || c == '_' || c == '-' || c == ':' || c == '/' || c == '@';
}

static void word_features(float *out, int dim, const unsigned char *w, size_t n)
{
    add(out, dim, fnv1a(fnv1a(FNV_BASIS, (const unsigned char *)"w", 1), w, n), 1.0f);
    unsigned char pad[MAX_WORD + 2];
    pad[0] = ' ';
    memcpy(pad + 1, w, n);
    pad[n + 1] = ' ';
    size_t len = n + 2;
    for (size_t g = 3; g <= 4; g++) {
        const unsigned char salt = (unsigned char)('0' + g);
        for (size_t i = 0; i + g <= len; i++)
            add(out, dim, fnv1a(fnv1a(FNV_BASIS, &salt, 1), pad + i, g), 0.4f);
    }
}

void vec_embed(const char *text, int dim, float *out)
{
    memset(out, 0, (size_t)dim * sizeof *out);
    if (!text || dim < 1)
        return;
    const unsigned char *p = (const unsigned char *)text;
    unsigned char prev[MAX_WORD], cur[MAX_WORD];
    size_t prev_n = 0;
    while (*p) {
        while (*p && !is_word(*p))
            p++;
        const unsigned char *start = p;
        while (*p && is_word(*p))
            p++;
        const unsigned char *end = p;
        while (start < end && is_joiner(*start))
            start++;
        while (end > start && is_joiner(end[-1]))
            end--;
        size_t n = (size_t)(end - start);
        if (n == 0)
            continue;
        if (n > MAX_WORD)
            n = MAX_WORD;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = start[i];
            cur[i] = (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
        }
        word_features(out, dim, cur, n);
        if (prev_n) {
            uint64_t h = fnv1a(FNV_BASIS, (const unsigned char *)"b", 1);
            h = fnv1a(h, prev, prev_n);
            h = fnv1a(h, (const unsigned char *)" ", 1);
            h = fnv1a(h, cur, n);
            add(out, dim, h, 0.7f);
        }
        memcpy(prev, cur, n);
        prev_n = n;
    }
    vec_normalize(out, dim);
}
