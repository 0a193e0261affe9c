/* logparse — seed 004's log analyzer (POST /logs/analyze): find the
 * level and the message of each line of common log formats, count the
 * levels, and rank the most frequent error messages.
 *
 * Recognized, line by line:
 *  - JSON lines: {"level"|"lvl"|"severity"|"levelname"|"log.level": ...,
 *    "message"|"msg": ...};
 *  - logfmt: ... level=error msg="..." (also lvl=, severity=);
 *  - syslog with a priority: "<11>..." (severity = PRI & 7);
 *  - glog: "E0101 12:00:00.123456 1234 file.cc:12] msg";
 *  - nginx/Apache access logs, common and combined (and vhost_combined),
 *    alone or behind a syslog header: the level is the status class,
 *    5xx ERROR, 4xx WARN, 1xx-3xx INFO; the message is the quoted
 *    request and the status, '"GET /x HTTP/1.1" 500';
 *  - a level word near the start, after an optional timestamp (ISO 8601,
 *    "YYYY/MM/DD hh:mm:ss", syslog "Mmm dd hh:mm:ss host tag:", Apache
 *    "[Www Mmm dd hh:mm:ss yyyy]"): "2024-01-01 12:00:00 ERROR msg",
 *    "[ERROR] msg", "ERROR: msg", Python's "ERROR:name:msg" and
 *    "asctime - name - ERROR - msg", Spring Boot's "ERROR 1 --- [main]
 *    c.e.App : msg", nginx's "[error] 12#0: msg". An all-caps level word
 *    counts among the first six words; a lower- or mixed-case one only
 *    first or when decorated ([error], error:), so "user error" inside a
 *    message is not a level.
 * Levels: TRACE, DEBUG, INFO (NOTICE), WARN (WARNING), ERROR (ERR,
 * SEVERE), CRITICAL (CRIT, FATAL, PANIC, EMERG, ALERT). A line with no
 * level right after a Python traceback ("Traceback (most recent call
 * last):") or indented under an entry is a continuation of that entry;
 * any other line without a level is unrecognized.
 *
 * Top errors (ERROR and CRITICAL) are grouped by the message with its
 * numbers and long hex ids masked, so "timeout after 31 ms" and "timeout
 * after 30 ms" are one entry; the first message seen names the group.
 * Ties keep the order of first appearance.
 *
 * Thread: any (pure; allocations are the caller's to free).
 */
#ifndef RESOPS_DOMAIN_LOGPARSE_H
#define RESOPS_DOMAIN_LOGPARSE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    LP_TRACE, LP_DEBUG, LP_INFO, LP_WARN, LP_ERROR, LP_CRITICAL, LP_COUNT,
    LP_NONE = -1
} LpLevel;

/* "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRITICAL". */
const char *logparse_level_name(LpLevel l);

/* One line (no newline; need not be NUL-terminated). Returns the level
 * (LP_NONE when none is found) and the message as a span of line: for
 * LP_NONE the whole line, trimmed. */
LpLevel logparse_line(const char *line, size_t len, const char **msg, size_t *msglen);

typedef struct LogTopError {
    char   *message;     /* malloc'd: the first message of the group */
    int64_t count;
} LogTopError;

typedef struct LogReport {
    int64_t      counts[LP_COUNT];
    int64_t      lines;          /* non-empty lines */
    int64_t      entries;        /* lines with a level */
    int64_t      continuation;   /* traceback / indented lines */
    int64_t      unrecognized;
    LogTopError *top;            /* most frequent first */
    int          ntop;
} LogReport;

/* Analyze text (len bytes; \n, \r\n or \r line ends). top_n >= 0 groups
 * to keep. 0 (the report is the caller's: logparse_report_free). */
int  logparse_analyze(const char *text, size_t len, int top_n, LogReport *out);
void logparse_report_free(LogReport *r);

#endif
