/* probe_kinds — the kinds of health probe a service may have: one table
 * (probe_kinds.c, probe_kinds[]) of name, how its target is written and
 * what its expectation means, and the validation of a probe of that kind.
 * The API and the CLI (through services_set_probe), the CLI's options and
 * usage, and the engine (whose probe_ops[] in engine/probes.c runs each
 * kind, joined by name) all read this one table.
 *
 * Adding a kind: a row here with its validate function; a row of
 * probe_ops[] in engine/probes.c with its functions; and, because the
 * probe table's SQL CHECK lists the kinds (data/migrations/0001_init.sql),
 * a migration that rebuilds that table with the new name allowed.
 *
 * Pure. Thread: any.
 */
#ifndef RESOPS_DOMAIN_PROBE_KINDS_H
#define RESOPS_DOMAIN_PROBE_KINDS_H

#include <stddef.h>

typedef struct ProbeKindDef {
    const char *name;         /* stored in probe.kind; the CLI's --<name> */
    const char *label;        /* for people: "HTTP", "command" */
    const char *target_help;  /* the CLI's placeholder for its target: "URL" */
    const char *expect_help;  /* what --expect means for it, NULL: nothing */
    /* target (non-empty) and expect for a probe of this kind: 0, or
     * -EINVAL with err ("HTTP probe target must start with http:// or
     * https://", ...) */
    int (*validate)(const char *target, int expect, char *err, size_t errsz);
} ProbeKindDef;

/* The row named name, NULL when there is none. */
const ProbeKindDef *probe_kind_find(const char *name);
/* Row i (0-based), NULL past the end: for (i = 0; (k = probe_kind_at(i)); i++). */
const ProbeKindDef *probe_kind_at(int i);
/* The whole check of a probe: a known kind ("Probe kind must be http,
 * tcp or cmd"), a target ("Probe target is required"), then the kind's
 * own validate. 0 or -EINVAL with err. */
int probe_kind_validate(const char *kind, const char *target, int expect, char *err,
                        size_t errsz);

#endif
