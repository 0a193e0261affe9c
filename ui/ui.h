/* ui — what the console loop (tui.c) offers its panes: the UI thread's
 * own Store for writes (design rule 3), the actor name for the audit
 * log, messages, y/n confirmations and text prompts, and the "a write
 * happened, show it now" hook.
 *
 * Thread: the UI thread only.
 */
#ifndef RESOPS_UI_UI_H
#define RESOPS_UI_UI_H

#include <stdint.h>
#include "snapshot.h"
#include "store/store.h"

/* Function keys are reported as UI_KEY_FN | KEY_xxx so they never collide
 * with a character's code point. */
#define UI_KEY_FN 0x200000
#define UI_KEY_ESC 27
#define UI_KEY_ENTER '\r'

typedef struct Ui Ui;

/* Answer of a prompt: the text, "y" for a confirmed y/n, NULL when the
 * user cancelled (Esc, n). The callback owns arg. */
typedef void (*UiAnswerFn)(Ui *ui, void *arg, const char *answer);

Store      *ui_store(Ui *ui);
const char *ui_actor(Ui *ui);
/* Message in the bottom line until the next key (error: in red). */
void ui_message(Ui *ui, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* What to tell the user after a write failed with err: "the database is
 * read-only for you (...)" when that is why (N3), else err. Borrowed,
 * valid until the next call. */
const char *ui_write_error(Ui *ui, const char *err);
/* Ask y/n; the callback gets "y" or NULL. */
void ui_confirm(Ui *ui, const char *question, UiAnswerFn fn, void *arg);
/* Ask a line of text. */
void ui_prompt(Ui *ui, const char *label, UiAnswerFn fn, void *arg);
/* The same, and live(ui, arg, text) after every edit of the text. */
void ui_prompt_live(Ui *ui, const char *label, UiAnswerFn fn, UiAnswerFn live, void *arg);
/* After a write: ask the snapshot source's publisher for a new snapshot
 * now, so the change shows within moments (it arrives through the wake
 * descriptor like any other); evaluate = 1 also asks it to re-evaluate
 * risk, SLA and alerts (a status or kill-switch change). That never runs
 * probes: what the operator presses must not change when checks run
 * (B3). An acknowledgement needs no evaluation. */
void ui_after_write(Ui *ui, int evaluate);
/* The newest metrics history (may be NULL). */
const SnapMetrics *ui_metrics(Ui *ui);
/* The service selected in the Services pane (0 = none); Dependencies and
 * Health follow it. */
int64_t ui_selected_service(Ui *ui);
void    ui_select_service(Ui *ui, int64_t id);
/* Switch to pane index i (0-based). */
void    ui_show_pane(Ui *ui, int i);

#endif
