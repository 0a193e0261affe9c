/* panes — the pane list (see panes.h). This table is the one place that
 * names every pane: adding one is a new ui/pane_x.c (a static PaneOps
 * with its key table, and a constructor), its constructor and row here,
 * and its file in ui/meson.build. */
#include "panes.h"

#include <stddef.h>
#include <stdio.h>

/* The constructors, one per pane file. */
PaneNewFn pane_services_new, pane_deps_new, pane_health_new, pane_alerts_new, pane_sla_new,
    pane_incidents_new, pane_metrics_new, pane_audit_new, pane_silences_new, pane_security_new;

static const PaneDef pane_list[] = {
    {'1', pane_services_new},
    {'2', pane_deps_new},
    {'3', pane_health_new},
    {'4', pane_alerts_new},
    {'5', pane_sla_new},
    {'6', pane_incidents_new},
    {'7', pane_metrics_new},
    {'8', pane_audit_new},
    {'9', pane_security_new},       /* issue 12 item 7: seed 003's security alerts */
    {'0', pane_silences_new},       /* issue 11 item 4 */
};

int panes_count(void)
{
    return (int)(sizeof pane_list / sizeof pane_list[0]);
}

const PaneDef *panes_def(int i)
{
    return i >= 0 && i < panes_count() ? &pane_list[i] : NULL;
}

int panes_find_key(int key)
{
    for (int i = 0; i < panes_count(); i++)
        if (pane_list[i].key == key)
            return i;
    return -1;
}

/* The keys of panes i..last: "1-4", or "5-8,0" where they stop following
 * each other. */
void panes_keys_label(int i, int last, char *key, size_t size)
{
    size_t len = 0;
    key[0] = '\0';
    for (int k = i; k <= last && len < size; ) {
        int end = k;
        while (end < last && panes_def(end + 1)->key == panes_def(end)->key + 1)
            end++;
        len += (size_t)snprintf(key + len, size - len, "%s%c", len ? "," : "", panes_def(k)->key);
        if (end > k && len < size)
            len += (size_t)snprintf(key + len, size - len, "-%c", panes_def(end)->key);
        k = end + 1;
    }
}
