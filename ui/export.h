/* export — the console's `:export FILE` (issue 11 item 6): the Markdown
 * timeline (domain/timeline.h) of what the current pane has selected,
 * written to FILE. Thread: the UI thread. */
#ifndef RESOPS_UI_EXPORT_H
#define RESOPS_UI_EXPORT_H

typedef struct Ui Ui;

/* args: the FILE. force (`:export!`) overwrites an existing file; without
 * it an existing file is refused. Says what happened in the message line. */
void export_command(Ui *ui, char *args, int force);

#endif
