/* panes — the constructors of the eight panes, in tab order, and the
 * service detail view that three of them share. Thread: the UI thread. */
#ifndef RESOPS_UI_PANES_H
#define RESOPS_UI_PANES_H

#include "pane.h"

Pane *pane_services_new(Ui *ui);
Pane *pane_deps_new(Ui *ui);
Pane *pane_health_new(Ui *ui);
Pane *pane_alerts_new(Ui *ui);
Pane *pane_sla_new(Ui *ui);
Pane *pane_incidents_new(Ui *ui);
Pane *pane_metrics_new(Ui *ui);
Pane *pane_audit_new(Ui *ui);

/* The Services pane's detail: BIA, risk, probe, dependencies, downtimes,
 * integrations. Also drawn by Dependencies and Health. */
void pane_services_draw_detail(WINDOW *w, const Snapshot *s, const SnapService *v);

/* The risk score (level = 0) or level (level = 1) cell of a service row,
 * "-" before the first score; the level gets its colour. Services and
 * Health show the same two columns. */
void pane_risk_cell(const SnapService *v, int level, char *buf, size_t size, attr_t *attr);

/* A service's name, "#<id>" when it is not in the snapshot. */
const char *pane_service_name(const Snapshot *s, int64_t id, char *buf, size_t size);

#endif
