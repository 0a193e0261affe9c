/* theme — see theme.h. One table gives every role its 256-colour,
 * 8-colour and monochrome look, so adding a role is one line. */
#include "theme.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct RoleLook {
    short  fg256, bg256, fg8, bg8;
    attr_t attr;            /* added in colour modes */
    attr_t mono;            /* the whole look without colour */
} RoleLook;

#define DEF (-1)

static const RoleLook looks[TH_COUNT] = {
    [TH_NORMAL]     = {DEF, DEF, DEF, DEF, A_NORMAL, A_NORMAL},
    [TH_DIM]        = {245, DEF, DEF, DEF, A_NORMAL, A_DIM},
    [TH_HEADER]     = {252, 238, COLOR_BLACK, COLOR_WHITE, A_BOLD, A_BOLD | A_UNDERLINE},
    [TH_TITLE]      = {81, DEF, COLOR_CYAN, DEF, A_BOLD, A_BOLD},
    [TH_SELECTED]   = {231, 25, COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE},
    [TH_TAB]        = {250, 236, COLOR_WHITE, COLOR_BLACK, A_NORMAL, A_NORMAL},
    [TH_TAB_ACTIVE] = {16, 81, COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD},
    [TH_BAR]        = {252, 236, COLOR_WHITE, COLOR_BLUE, A_NORMAL, A_REVERSE},
    [TH_BAR_KEY]    = {231, 236, COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD},
    [TH_ENGINE]     = {16, 71, COLOR_BLACK, COLOR_GREEN, A_BOLD, A_BOLD},
    [TH_VIEWER]     = {16, 179, COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_BOLD | A_UNDERLINE},
    [TH_KILL]       = {231, 160, COLOR_WHITE, COLOR_RED, A_BOLD | A_BLINK, A_REVERSE | A_BOLD | A_BLINK},
    [TH_OK]         = {16, 71, COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_NORMAL},
    [TH_UP]         = {71, DEF, COLOR_GREEN, DEF, A_NORMAL, A_NORMAL},
    [TH_DEGRADED]   = {214, DEF, COLOR_YELLOW, DEF, A_BOLD, A_BOLD},
    [TH_DOWN]       = {196, DEF, COLOR_RED, DEF, A_BOLD, A_BOLD | A_REVERSE},
    [TH_UNKNOWN]    = {245, DEF, COLOR_MAGENTA, DEF, A_NORMAL, A_DIM},
    [TH_INFO]       = {75, DEF, COLOR_CYAN, DEF, A_NORMAL, A_NORMAL},
    [TH_WARN]       = {214, DEF, COLOR_YELLOW, DEF, A_BOLD, A_BOLD},
    [TH_CRIT]       = {196, DEF, COLOR_RED, DEF, A_BOLD, A_BOLD | A_REVERSE},
    [TH_MATCH]      = {16, 221, COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_UNDERLINE},
    [TH_ERROR]      = {196, DEF, COLOR_RED, DEF, A_BOLD, A_BOLD},
    [TH_SPARK]      = {81, DEF, COLOR_CYAN, DEF, A_NORMAL, A_NORMAL},
    [TH_BORDER]     = {240, DEF, COLOR_BLUE, DEF, A_NORMAL, A_NORMAL},
    [TH_HELP_KEY]   = {221, DEF, COLOR_YELLOW, DEF, A_BOLD, A_BOLD},
};

static attr_t attrs[TH_COUNT];
static int ncolors;

static const Glyphs utf8_glyphs = {
    .utf8 = 1, .ellipsis = "\u2026", .vline = "\u2502", .hline = "\u2500",
    .tree_mid = "\u251c\u2500 ", .tree_last = "\u2514\u2500 ", .tree_pipe = "\u2502  ",
    .tree_blank = "   ",
    .spark = {"\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"},
    .nspark = 8, .up = "\u2191", .down = "\u2193",
};

static const Glyphs ascii_glyphs = {
    .utf8 = 0, .ellipsis = "~", .vline = "|", .hline = "-",
    .tree_mid = "|- ", .tree_last = "`- ", .tree_pipe = "|  ", .tree_blank = "   ",
    .spark = {"_", ".", "-", "=", "+", "*", "#", "@"},
    .nspark = 8, .up = "Up", .down = "Down",
};

static const Glyphs *glyphs = &ascii_glyphs;

static int locale_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
}

void theme_init(void)
{
    const char *nc = getenv("NO_COLOR");
    const char *ascii = getenv("RESOPS_ASCII");
    glyphs = locale_is_utf8() && !(ascii && *ascii && strcmp(ascii, "0"))
                 ? &utf8_glyphs : &ascii_glyphs;
    ncolors = 0;
    if (!(nc && *nc) && has_colors() && start_color() == OK) {
        use_default_colors();
        ncolors = COLORS >= 256 ? 256 : 8;
    }
    for (int r = 0; r < TH_COUNT; r++) {
        const RoleLook *l = &looks[r];
        if (!ncolors) {
            attrs[r] = l->mono;
            continue;
        }
        short fg = ncolors == 256 ? l->fg256 : l->fg8;
        short bg = ncolors == 256 ? l->bg256 : l->bg8;
        attr_t a = l->attr;
        if (ncolors == 8 && r == TH_DIM)
            a |= A_DIM;
        if (fg == DEF && bg == DEF) {
            attrs[r] = a;
            continue;
        }
        init_pair((short)(r + 1), fg, bg);
        attrs[r] = COLOR_PAIR(r + 1) | a;
    }
}

attr_t theme_attr(ThemeRole r) { return r < TH_COUNT ? attrs[r] : A_NORMAL; }
const Glyphs *theme_glyphs(void) { return glyphs; }
int theme_colors(void) { return ncolors; }

attr_t theme_status(ServiceStatus s)
{
    static const ThemeRole map[STATUS_COUNT] = {
        [STATUS_UP] = TH_UP, [STATUS_UNKNOWN] = TH_UNKNOWN,
        [STATUS_DEGRADED] = TH_DEGRADED, [STATUS_DOWN] = TH_DOWN,
    };
    return (unsigned)s < STATUS_COUNT ? attrs[map[s]] : A_NORMAL;
}

attr_t theme_severity(const char *sev)
{
    AlertSeverity s;
    if (!sev || severity_parse(sev, &s) < 0)
        return attrs[TH_NORMAL];
    return s == SEV_CRITICAL ? attrs[TH_CRIT] : s == SEV_WARNING ? attrs[TH_WARN] : attrs[TH_INFO];
}

attr_t theme_risk(RiskLevel l)
{
    return l == RISK_HIGH ? attrs[TH_CRIT] : l == RISK_MEDIUM ? attrs[TH_WARN] : attrs[TH_UP];
}
