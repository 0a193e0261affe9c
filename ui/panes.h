/* panes — the pane list (panes.c): every pane of the console in tab
 * order with the key that shows it, and the pieces several panes share
 * (the service detail view, the risk cells, service names).
 *
 * The console makes one pane of each row at start; the tab bar, the
 * number keys and the help overlay all read the list, so the number of
 * panes is the length of the list. Thread: the UI thread. */
#ifndef RESOPS_UI_PANES_H
#define RESOPS_UI_PANES_H

#include "pane.h"
#include "model/secalert.h"

/* A pane file's one export: a new pane of its kind for ui. */
typedef Pane *PaneNewFn(Ui *ui);

typedef struct PaneDef {
    int        key;         /* the key that shows it, also its number in the tab bar */
    PaneNewFn *make;
} PaneDef;

/* The number of panes, and the i-th (0-based, NULL past the end). */
int            panes_count(void);
const PaneDef *panes_def(int i);
/* The index of the pane that key shows, or -1. */
int            panes_find_key(int key);

/* The Services pane's detail: BIA, risk, probe, dependencies, downtimes,
 * integrations. Also drawn by Dependencies and Health. */
void pane_services_draw_detail(WINDOW *w, const Snapshot *s, const SnapService *v);

/* The risk score (level = 0) or level (level = 1) cell of a service row,
 * "-" before the first score; the level gets its colour. Services and
 * Health show the same two columns. */
void pane_risk_cell(const SnapService *v, int level, char *buf, size_t size, attr_t *attr);

/* A service's name, "#<id>" when it is not in the snapshot. */
const char *pane_service_name(const Snapshot *s, int64_t id, char *buf, size_t size);

/* The keys of panes i..last into buf: "1-4", or "5-8,0" where they stop
 * following each other. */
void panes_keys_label(int i, int last, char *buf, size_t size);

/* The Security pane (issue 12): show it with alert_id's detail open
 * (the Alerts pane's Enter on a security escalation). */
void pane_security_show(Ui *ui, const char *alert_id);
/* The escalated security alerts the Alerts pane lists: open group heads
 * with an incident, or routed to a verdict with S0 at or above the
 * escalation threshold, newest first. The count, *out to free with
 * secalerts_free_list (0 and NULL: none, or no Store). */
int  pane_security_escalations(Ui *ui, SecAlert **out);
/* An OCSF severity_id as both panes show it: 0 Unknown, 1 Info, 2 Low,
 * 3 Medium, 4 High, 5 Critical, 6 Fatal ("-" below 0, before
 * normalization); and its colour (5-6 bold red, 4 red, 3 yellow). */
const char *pane_security_severity_word(int severity_id);
attr_t      pane_security_severity_attr(int severity_id);
/* A verdict's confidence as typed: "" is the default 0.9, else a number
 * in 0..1. 0 or -EINVAL. */
int  pane_security_parse_confidence(const char *text, double *out);

#endif
