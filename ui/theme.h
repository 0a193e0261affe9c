/* theme — colours, attributes and glyphs of the console, decided once at
 * start-up from the terminal and the environment:
 *   - NO_COLOR set (any non-empty value): no colour at all, meaning is
 *     carried by bold / reverse / underline;
 *   - fewer than 256 colours: the 8 ANSI colours;
 *   - a locale that is not UTF-8 (or RESOPS_ASCII=1): ASCII borders, tree
 *     lines, ellipsis and sparklines.
 * Thread: the UI thread (curses). */
#ifndef RESOPS_UI_THEME_H
#define RESOPS_UI_THEME_H

#include <curses.h>
#include "domain/rules.h"

typedef enum {
    TH_NORMAL, TH_DIM, TH_HEADER, TH_TITLE, TH_SELECTED, TH_TAB, TH_TAB_ACTIVE,
    TH_BAR, TH_BAR_KEY, TH_ENGINE, TH_VIEWER, TH_KILL, TH_OK,
    TH_UP, TH_DEGRADED, TH_DOWN, TH_UNKNOWN, TH_INFO, TH_WARN, TH_CRIT,
    TH_MATCH, TH_ERROR, TH_SPARK, TH_BORDER, TH_HELP_KEY,
    TH_COUNT
} ThemeRole;

typedef struct Glyphs {
    int         utf8;
    const char *ellipsis;
    const char *vline, *hline;
    const char *tree_mid, *tree_last, *tree_pipe, *tree_blank;
    const char *spark[8];
    int         nspark;
    const char *up, *down;     /* arrows in help */
} Glyphs;

/* After initscr(). Reads NO_COLOR, RESOPS_ASCII and the locale. */
void          theme_init(void);
attr_t        theme_attr(ThemeRole r);
const Glyphs *theme_glyphs(void);
int           theme_colors(void);   /* 0 (NO_COLOR / none), 8 or 256 */

attr_t theme_status(ServiceStatus s);
attr_t theme_severity(const char *sev);   /* "Critical", "Warning", "Info" */
attr_t theme_risk(RiskLevel l);

#endif
