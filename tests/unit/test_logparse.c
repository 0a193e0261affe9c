/* test_logparse — seed 004's log analyzer (src/domain/logparse.c):
 * one table row per log format (level and message found), then whole
 * texts: counts, continuations, top errors grouped by masked message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domain/logparse.h"

static const struct {
    const char *format, *line;
    LpLevel     level;
    const char *msg;
} lines[] = {
    {"seed 004: date time LEVEL msg", "2024-01-01 12:00:00 ERROR Database connection failed",
     LP_ERROR, "Database connection failed"},
    {"ISO T, fraction, Z", "2024-01-01T12:00:00.123Z WARN disk almost full",
     LP_WARN, "disk almost full"},
    {"ISO with offset", "2024-01-01T12:00:00+02:00 INFO started", LP_INFO, "started"},
    {"WARNING counts as WARN", "2024-01-01 12:00:00 WARNING cache miss", LP_WARN, "cache miss"},
    {"[LEVEL] msg", "[ERROR] something broke", LP_ERROR, "something broke"},
    {"[date] [level] msg", "[2024-01-01 12:00:00] [info] ready", LP_INFO, "ready"},
    {"LEVEL: msg", "ERROR: out of memory", LP_ERROR, "out of memory"},
    {"lowercase first word", "error: could not open file", LP_ERROR, "could not open file"},
    {"Python basicConfig LEVEL:name:msg", "ERROR:root:Something failed", LP_ERROR,
     "Something failed"},
    {"Python basicConfig dotted logger", "WARNING:app.db:slow query", LP_WARN, "slow query"},
    {"Python asctime - name - LEVEL - msg",
     "2024-01-01 12:00:00,123 - myapp - ERROR - Payment declined", LP_ERROR, "Payment declined"},
    {"logfmt level=error msg=\"...\"",
     "ts=2024-01-01T12:00:00Z level=error msg=\"upstream timeout\" host=a", LP_ERROR,
     "upstream timeout"},
    {"logfmt lvl=warn bare msg", "lvl=warn msg=retrying", LP_WARN, "retrying"},
    {"syslog-ish ... level=error msg=...", "Jan  1 12:00:00 host app[1]: level=error msg=boom",
     LP_ERROR, "boom"},
    {"JSON line", "{\"time\":\"2024-01-01\",\"level\":\"error\",\"msg\":\"bad request\"}",
     LP_ERROR, "bad request"},
    {"JSON line, levelname and message",
     "{\"levelname\": \"WARNING\", \"message\": \"deprecated call\"}", LP_WARN,
     "deprecated call"},
    {"JSON bunyan numeric level", "{\"level\":50,\"msg\":\"crash\"}", LP_ERROR, "crash"},
    {"JSON pino fatal", "{\"level\":60,\"msg\":\"gone\"}", LP_CRITICAL, "gone"},
    {"syslog PRI (RFC 3164): 11 = user.err",
     "<11>Jan  1 12:00:00 host app[123]: disk failure", LP_ERROR, "disk failure"},
    {"syslog PRI (RFC 5424): 12 = user.warning",
     "<12>1 2024-01-01T12:00:00Z host app 123 ID47 - low memory", LP_WARN, "low memory"},
    {"syslog PRI with structured data",
     "<14>1 2024-01-01T12:00:00Z host app - - [a@1 x=\"y\"] hello", LP_INFO, "hello"},
    {"syslog text: Mmm dd host tag: level: msg",
     "Jan 12 06:25:01 web1 cron[42]: error: job failed", LP_ERROR, "job failed"},
    {"nginx error log", "2024/01/01 12:00:00 [error] 12#0: *5 connect() failed", LP_ERROR,
     "connect() failed"},
    {"Apache error log", "[Mon Jan 01 12:00:00.123456 2024] [warn] mod_x: slow", LP_WARN,
     "mod_x: slow"},
    {"Spring Boot",
     "2024-01-01 12:00:00.123 ERROR 1234 --- [main] c.e.App : Failed to start", LP_ERROR,
     "Failed to start"},
    {"log4j with thread", "2024-01-01 12:00:00,001 [worker-1] FATAL com.x.Y - disk gone",
     LP_CRITICAL, "com.x.Y - disk gone"},
    {"glog", "E0101 12:00:00.123456  1234 server.cc:42] RPC failed", LP_ERROR, "RPC failed"},
    {"glog warning", "W0101 12:00:00.1 1 a.cc:1] low", LP_WARN, "low"},
    {"CRITICAL", "2024-01-01 12:00:00 CRITICAL kernel panic", LP_CRITICAL, "kernel panic"},
    {"DEBUG and TRACE", "2024-01-01 12:00:00 DEBUG x=1", LP_DEBUG, "x=1"},
    {"TRACE", "TRACE entering f()", LP_TRACE, "entering f()"},
    {"epoch timestamp", "1700000000.123 INFO tick", LP_INFO, "tick"},
    {"java.util.logging SEVERE", "SEVERE: servlet threw", LP_ERROR, "servlet threw"},
    {"CRLF line end", "ERROR crlf\r", LP_ERROR, "crlf"},
    {"'error' inside a message is not a level",
     "2024-01-01 12:00:00 user reported an error", LP_NONE,
     "2024-01-01 12:00:00 user reported an error"},
    {"a word starting like a level is not one", "ERRORS happen", LP_NONE, "ERRORS happen"},
    {"plain text", "hello world", LP_NONE, "hello world"},
    {"all-caps level later in the header", "app web-1 pid=3 ERROR timeout", LP_ERROR,
     "timeout"},
};

static void test_lines(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        const char *msg;
        size_t len;
        LpLevel l = logparse_line(lines[i].line, strlen(lines[i].line), &msg, &len);
        char got[256];
        snprintf(got, sizeof got, "%.*s", (int)len, msg);
        if (l != lines[i].level || strcmp(got, lines[i].msg) != 0)
            fail_msg("%s: got %s \"%s\", want %s \"%s\"", lines[i].format,
                     logparse_level_name(l), got, logparse_level_name(lines[i].level),
                     lines[i].msg);
    }
}

static const char text[] =
    "2024-01-01 12:00:00 INFO service started\n"
    "2024-01-01 12:00:01 ERROR Connection timeout after 30 ms to 10.0.0.1\n"
    "2024-01-01 12:00:02 WARNING slow response\n"
    "2024-01-01 12:00:03 ERROR Connection timeout after 31 ms to 10.0.0.2\r\n"
    "2024-01-01 12:00:04 ERROR Disk /dev/sda1 full\n"
    "Traceback (most recent call last):\n"
    "  File \"app.py\", line 3, in <module>\n"
    "ValueError: bad value\n"
    "\n"
    "[ERROR] request 5f2a9c1e7b3d4e80 failed\n"
    "[ERROR] request 9a8b7c6d5e4f3a21 failed\n"
    "[ERROR] request 0x1f failed\n"
    "ERROR:root:Connection timeout after 45 ms to 10.0.0.9\n"
    "    at com.example.Foo.bar(Foo.java:10)\n"
    "CRITICAL out of memory\n"
    "DEBUG tick\n"
    "just some noise\n";

static void test_analyze(void **state)
{
    (void)state;
    LogReport r;
    assert_int_equal(logparse_analyze(text, strlen(text), 5, &r), 0);
    assert_int_equal(r.lines, 16);                  /* the blank line is not one */
    assert_int_equal(r.counts[LP_ERROR], 7);
    assert_int_equal(r.counts[LP_WARN], 1);
    assert_int_equal(r.counts[LP_INFO], 1);
    assert_int_equal(r.counts[LP_CRITICAL], 1);
    assert_int_equal(r.counts[LP_DEBUG], 1);
    assert_int_equal(r.counts[LP_TRACE], 0);
    assert_int_equal(r.entries, 11);
    assert_int_equal(r.continuation, 4);            /* traceback x3, indented "at" */
    assert_int_equal(r.unrecognized, 1);            /* "just some noise" */
    /* grouped by masked message, most frequent first, ties by first seen */
    assert_int_equal(r.ntop, 4);
    assert_string_equal(r.top[0].message, "Connection timeout after 30 ms to 10.0.0.1");
    assert_int_equal(r.top[0].count, 3);
    assert_string_equal(r.top[1].message, "request 5f2a9c1e7b3d4e80 failed");
    assert_int_equal(r.top[1].count, 3);
    assert_string_equal(r.top[2].message, "Disk /dev/sda1 full");
    assert_int_equal(r.top[2].count, 1);
    assert_string_equal(r.top[3].message, "out of memory");
    logparse_report_free(&r);
    /* top_n caps the list */
    assert_int_equal(logparse_analyze(text, strlen(text), 1, &r), 0);
    assert_int_equal(r.ntop, 1);
    logparse_report_free(&r);
    assert_int_equal(logparse_analyze(text, strlen(text), 0, &r), 0);
    assert_int_equal(r.ntop, 0);
    logparse_report_free(&r);
}

static void test_edges(void **state)
{
    (void)state;
    LogReport r;
    assert_int_equal(logparse_analyze("", 0, 5, &r), 0);
    assert_int_equal(r.lines, 0);
    assert_int_equal(r.ntop, 0);
    logparse_report_free(&r);
    /* a continuation with nothing before it is just unrecognized */
    const char *t = "   indented\nERROR a\rERROR a\rWARN b";
    assert_int_equal(logparse_analyze(t, strlen(t), 5, &r), 0);
    assert_int_equal(r.unrecognized, 1);
    assert_int_equal(r.counts[LP_ERROR], 2);       /* lone CR ends lines too */
    assert_int_equal(r.counts[LP_WARN], 1);
    assert_int_equal(r.ntop, 1);
    assert_int_equal(r.top[0].count, 2);
    logparse_report_free(&r);
    /* embedded NULs and bytes over 127 do not upset it */
    const char bin[] = "ERROR \xff\xfe\0tail\nINFO \x01ok";
    assert_int_equal(logparse_analyze(bin, sizeof bin - 1, 5, &r), 0);
    assert_int_equal(r.counts[LP_ERROR], 1);
    assert_int_equal(r.counts[LP_INFO], 1);
    logparse_report_free(&r);
    /* many distinct errors: the table grows */
    static char big[200000];
    size_t len = 0;
    for (int i = 0; i < 3000 && len + 64 < sizeof big; i++)
        len += (size_t)snprintf(big + len, sizeof big - len, "ERROR failure kind %c%c%c\n",
                                'a' + i % 26, 'a' + i / 26 % 26, 'a' + i / 676 % 26);
    assert_int_equal(logparse_analyze(big, len, 10, &r), 0);
    assert_int_equal(r.counts[LP_ERROR], 3000);
    assert_int_equal(r.ntop, 10);
    assert_string_equal(r.top[0].message, "failure kind aaa");
    logparse_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_analyze),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
