/* tty — the console's terminal: curses set-up and tear-down, and the
 * crash-safe restore (a fatal signal or an out-of-memory abort still
 * gives the shell its screen back). tui_check_terminal (tui.h) is
 * implemented here too. Thread: the UI thread. */
#ifndef RESOPS_UI_TTY_H
#define RESOPS_UI_TTY_H

#include <curses.h>
#include <stddef.h>

/* Start curses on stdout (no echo, cbreak, no XON/XOFF, hidden cursor,
 * the theme) with the crash handlers in place. NULL, with a message in
 * err, when the terminal will not do. */
SCREEN *tty_start(char *err, size_t errsz);
/* End curses (the caller freed its windows) and remove the handlers. */
void    tty_stop(SCREEN *scr);

#endif
