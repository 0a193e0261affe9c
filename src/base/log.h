/* log — leveled logging to stderr (or a file once the TUI owns the tty).
 * Thread-safe: any thread may log. Never log tokens or passwords. */
#ifndef RESOPS_LOG_H
#define RESOPS_LOG_H

#include <stdio.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } LogLevel;

void log_set_level(LogLevel l);
int  log_parse_level(const char *s, LogLevel *out); /* 0 or -EINVAL */
/* Redirect output; takes ownership of f (closed on replace). NULL = stderr. */
void log_set_file(FILE *f);
void log_msg(LogLevel l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
