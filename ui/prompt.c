/* prompt — the message line's questions: a y/n confirmation or a line
 * of text, one at a time, answered through the caller's callback (ui.h).
 * The frame draws them (frame.c); keys reach them first while one is
 * open (tui.c). */
#include "tui_priv.h"
#include "util.h"

#include <string.h>
#include <wchar.h>

static void ask(Ui *ui, int kind, const char *label, UiAnswerFn fn, void *arg)
{
    prompt_cancel(ui);                 /* one at a time: cancel the old one */
    ui->prompt = kind;
    strlcpy_(ui->prompt_label, label, sizeof ui->prompt_label);
    ui->input[0] = '\0';
    ui->prompt_fn = fn;
    ui->prompt_live = NULL;
    ui->prompt_arg = arg;
    ui->prompt_cmd = 0;
    ui->prompt_esc_skips = 0;
    ui->prompt_note[0] = '\0';
    ui->hist_pos = 0;
    ui->tab_count = 0;
    ui->msg[0] = '\0';
    ui->dirty |= DIRTY_MSG;
}

void ui_confirm(Ui *ui, const char *q, UiAnswerFn fn, void *arg)
{
    ask(ui, PROMPT_CONFIRM, q, fn, arg);
}

void ui_prompt(Ui *ui, const char *label, UiAnswerFn fn, void *arg)
{
    ask(ui, PROMPT_TEXT, label, fn, arg);
}

void ui_ask_key(Ui *ui, const char *label, UiAnswerFn fn, void *arg)
{
    ask(ui, PROMPT_KEY, label, fn, arg);
}

void ui_prompt_live(Ui *ui, const char *label, UiAnswerFn fn, UiAnswerFn live, void *arg)
{
    ask(ui, PROMPT_TEXT, label, fn, arg);
    ui->prompt_live = live;
}

void prompt_cancel(Ui *ui)
{
    if (!ui->prompt || !ui->prompt_fn)
        return;
    UiAnswerFn fn = ui->prompt_fn;
    ui->prompt = PROMPT_NONE;
    ui->prompt_fn = NULL;
    fn(ui, ui->prompt_arg, NULL);      /* the callback frees its argument */
}

static void prompt_finish(Ui *ui, const char *answer)
{
    char copy[sizeof ui->input];
    if (answer)
        strlcpy_(copy, answer, sizeof copy);
    UiAnswerFn fn = ui->prompt_fn;
    void *arg = ui->prompt_arg;
    ui->prompt = PROMPT_NONE;
    ui->prompt_fn = NULL;
    ui->prompt_arg = NULL;
    ui->dirty |= DIRTY_MSG | DIRTY_BODY | DIRTY_STATUS;
    if (fn)
        fn(ui, arg, answer ? copy : NULL);
}

static void text_key(Ui *ui, int key);

void prompt_key(Ui *ui, int key)
{
    int live = ui->prompt == PROMPT_TEXT && ui->prompt_live;
    text_key(ui, key);
    if (live && ui->prompt == PROMPT_TEXT && ui->prompt_live)
        ui->prompt_live(ui, ui->prompt_arg, ui->input);
}

static void text_key(Ui *ui, int key)
{
    ui->dirty |= DIRTY_MSG;
    if (ui->prompt == PROMPT_KEY) {
        /* one key answers (a menu); Esc and ^G cancel, a mouse event waits */
        char mb[8] = "";
        mbstate_t ps;
        memset(&ps, 0, sizeof ps);
        if (key == UI_KEY_ESC || key == 7)
            prompt_finish(ui, NULL);
        else if (key >= 32 && key < UI_KEY_FN && key != 127 &&
                 wcrtomb(mb, (wchar_t)key, &ps) != (size_t)-1)
            prompt_finish(ui, mb);
        else if (key == UI_KEY_ENTER || key == '\n')
            prompt_finish(ui, "\n");
        return;
    }
    if (ui->prompt_cmd && cmdline_key(ui, key))
        return;
    if (ui->prompt == PROMPT_CONFIRM) {
        /* [y/N]: y confirms, any other key answers no (a mouse event is
         * not an answer) */
        if (key == 'y' || key == 'Y')
            prompt_finish(ui, "y");
        else if (key != (UI_KEY_FN | KEY_MOUSE))
            prompt_finish(ui, NULL);
        return;
    }
    size_t len = strlen(ui->input);
    if (key == UI_KEY_ENTER || key == '\n' || key == (UI_KEY_FN | KEY_ENTER)) {
        prompt_finish(ui, ui->input);
    } else if (key == UI_KEY_ESC && ui->prompt_esc_skips) {
        prompt_finish(ui, "");            /* "skip the text", not "cancel" */
    } else if (key == UI_KEY_ESC || key == 7 /* ^G */) {
        prompt_finish(ui, NULL);
    } else if (key == (UI_KEY_FN | KEY_BACKSPACE) || key == 127 || key == 8) {
        if (!len) {
            prompt_finish(ui, NULL);      /* backspace on empty cancels, like vim */
            return;
        }
        while (len > 0 && ((unsigned char)ui->input[len - 1] & 0xc0) == 0x80)
            len--;
        ui->input[len ? len - 1 : 0] = '\0';
    } else if (key == 21 /* ^U */) {
        ui->input[0] = '\0';
    } else if (key == 23 /* ^W */) {
        while (len > 0 && ui->input[len - 1] == ' ')
            len--;
        while (len > 0 && ui->input[len - 1] != ' ')
            len--;
        ui->input[len] = '\0';
    } else if (key >= 32 && key < UI_KEY_FN && key != 127) {
        char mb[8];
        mbstate_t ps;
        memset(&ps, 0, sizeof ps);
        size_t n = wcrtomb(mb, (wchar_t)key, &ps);
        if (n != (size_t)-1 && len + n + 1 < sizeof ui->input) {
            memcpy(ui->input + len, mb, n);
            ui->input[len + n] = '\0';
        }
    }
}
