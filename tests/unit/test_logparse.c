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

/* B23: nginx/Apache access logs. The level is the status class (5xx
 * ERROR, 4xx WARN, 2xx/3xx INFO); the message is the request and status. */
static const struct {
    const char *format, *line;
    LpLevel     level;
    const char *msg;
} access[] = {
    {"nginx combined, 500",
     "203.0.113.7 - - [10/Oct/2024:13:55:36 +0000] \"POST /api/orders HTTP/1.1\" 500 162 "
     "\"https://shop.example/cart\" \"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0\"",
     LP_ERROR, "\"POST /api/orders HTTP/1.1\" 500"},
    {"nginx combined, 404",
     "203.0.113.7 - - [10/Oct/2024:13:55:37 +0000] \"GET /favicon.ico HTTP/1.1\" 404 153 "
     "\"-\" \"curl/8.5.0\"",
     LP_WARN, "\"GET /favicon.ico HTTP/1.1\" 404"},
    {"nginx combined, 200",
     "203.0.113.7 - - [10/Oct/2024:13:55:38 +0000] \"GET / HTTP/2.0\" 200 615 \"-\" \"-\"",
     LP_INFO, "\"GET / HTTP/2.0\" 200"},
    {"nginx combined, extra fields after the user agent",
     "10.0.0.1 - - [10/Oct/2024:13:55:38 +0000] \"GET /slow HTTP/1.1\" 504 0 \"-\" \"k6/0.49\" "
     "\"198.51.100.2\" rt=60.001",
     LP_ERROR, "\"GET /slow HTTP/1.1\" 504"},
    {"Apache common (no referrer, no user agent), 200",
     "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326",
     LP_INFO, "\"GET /apache_pb.gif HTTP/1.0\" 200"},
    {"Apache common, 500, bytes '-'",
     "192.0.2.10 - - [01/Jan/2024:00:00:01 +0100] \"GET /cgi-bin/x HTTP/1.1\" 500 -",
     LP_ERROR, "\"GET /cgi-bin/x HTTP/1.1\" 500"},
    {"Apache common, 403",
     "192.0.2.10 - - [01/Jan/2024:00:00:02 +0100] \"GET /admin HTTP/1.1\" 403 199",
     LP_WARN, "\"GET /admin HTTP/1.1\" 403"},
    {"Apache combined, 301",
     "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /old HTTP/1.0\" 301 2326 "
     "\"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"",
     LP_INFO, "\"GET /old HTTP/1.0\" 301"},
    {"Apache vhost_combined",
     "www.example.com:443 198.51.100.4 - - [10/Oct/2024:13:55:36 +0000] \"GET /x HTTP/1.1\" "
     "502 0 \"-\" \"-\"",
     LP_ERROR, "\"GET /x HTTP/1.1\" 502"},
    {"IPv6 client",
     "2001:db8::8a2e:370:7334 - - [10/Oct/2024:13:55:36 +0000] \"GET /health HTTP/1.1\" 503 "
     "19 \"-\" \"kube-probe/1.29\"",
     LP_ERROR, "\"GET /health HTTP/1.1\" 503"},
    {"IPv6 loopback, common",
     "::1 - - [10/Oct/2024:13:55:36 +0000] \"OPTIONS * HTTP/1.0\" 200 126",
     LP_INFO, "\"OPTIONS * HTTP/1.0\" 200"},
    {"escaped quote inside the request",
     "198.51.100.9 - - [10/Oct/2024:13:55:36 +0000] \"GET /q?a=\\\"x\\\" HTTP/1.1\" 400 0",
     LP_WARN, "\"GET /q?a=\\\"x\\\" HTTP/1.1\" 400"},
    {"nginx: no request line (\"-\"), 400",
     "198.51.100.9 - - [10/Oct/2024:13:55:36 +0000] \"-\" 400 0 \"-\" \"-\"",
     LP_WARN, "\"-\" 400"},
    {"a level word in the path does not decide",
     "198.51.100.9 - - [10/Oct/2024:13:55:36 +0000] \"GET /ERROR HTTP/1.1\" 200 5",
     LP_INFO, "\"GET /ERROR HTTP/1.1\" 200"},
    {"nginx through syslog (PRI 190 = local7.info), 500",
     "<190>Oct 10 13:55:36 web1 nginx: 203.0.113.7 - - [10/Oct/2024:13:55:36 +0000] "
     "\"GET /a HTTP/1.1\" 500 1 \"-\" \"-\"",
     LP_ERROR, "\"GET /a HTTP/1.1\" 500"},
    {"nginx through plain syslog, 404",
     "Oct 10 13:55:36 web1 nginx: 203.0.113.7 - - [10/Oct/2024:13:55:36 +0000] "
     "\"GET /b HTTP/1.1\" 404 1",
     LP_WARN, "\"GET /b HTTP/1.1\" 404"},
    /* close, but not access-log lines: nothing to count */
    {"close but not: time without brackets",
     "127.0.0.1 - - 10/Oct/2000:13:55:36 -0700 \"GET / HTTP/1.0\" 500 2326", LP_NONE, NULL},
    {"close but not: status not a number",
     "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" OK 2326", LP_NONE, NULL},
    {"close but not: four-digit status",
     "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 5000 2326", LP_NONE, NULL},
    {"close but not: status 600",
     "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 600 2326", LP_NONE, NULL},
    {"close but not: request not quoted",
     "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] GET / HTTP/1.0 500 2326", LP_NONE, NULL},
    {"close but not: request quote never closed",
     "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0 500 2326", LP_NONE, NULL},
    {"close but not: no bytes field",
     "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 500", LP_NONE, NULL},
    {"close but not: bytes not a number",
     "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 500 lots", LP_NONE, NULL},
    {"close but not: month not a month",
     "127.0.0.1 - - [10/Foo/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 500 2326", LP_NONE, NULL},
    {"close but not: time zone missing",
     "127.0.0.1 - - [10/Oct/2000:13:55:36] \"GET / HTTP/1.0\" 500 2326", LP_NONE, NULL},
    {"close but not: only two fields before the time",
     "127.0.0.1 - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 500 2326", LP_NONE, NULL},
};

/* Every row is checked and every wrong row is printed before failing. */
static void test_access_log_lines(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof access / sizeof access[0]; i++) {
        const char *msg;
        size_t len;
        LpLevel l = logparse_line(access[i].line, strlen(access[i].line), &msg, &len);
        char got[512];
        snprintf(got, sizeof got, "%.*s", (int)len, msg);
        const char *want = access[i].msg ? access[i].msg : access[i].line;
        if (l != access[i].level || strcmp(got, want) != 0) {
            print_error("%s: got %s \"%s\", want %s \"%s\"\n", access[i].format,
                        logparse_level_name(l), got, logparse_level_name(access[i].level), want);
            bad++;
        }
    }
    if (bad)
        fail_msg("%d of %zu access-log rows wrong", bad, sizeof access / sizeof access[0]);
}

/* B23 as the API sees it: counts and top errors over a mixed access log. */
static void test_access_log_analyze(void **state)
{
    (void)state;
    const char log[] =
        "203.0.113.7 - - [10/Oct/2024:13:55:36 +0000] \"GET /api/orders/17 HTTP/1.1\" 500 1 \"-\" \"-\"\n"
        "203.0.113.8 - - [10/Oct/2024:13:55:37 +0000] \"GET /api/orders/42 HTTP/1.1\" 502 1 \"-\" \"-\"\n"
        "203.0.113.9 - - [10/Oct/2024:13:55:38 +0000] \"POST /login HTTP/1.1\" 503 1\n"
        "2001:db8::1 - - [10/Oct/2024:13:55:39 +0000] \"GET /nope HTTP/1.1\" 404 1 \"-\" \"-\"\n"
        "2001:db8::1 - - [10/Oct/2024:13:55:40 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"\n"
        "2001:db8::1 - - [10/Oct/2024:13:55:41 +0000] \"GET /old HTTP/1.1\" 304 0\n"
        "2024/10/10 13:55:42 [error] 12#0: *5 connect() failed\n"
        "127.0.0.1 - - [10/Oct/2024:13:55:43 +0000] \"GET / HTTP/1.0\" OK 1\n";
    LogReport r;
    assert_int_equal(logparse_analyze(log, strlen(log), 5, &r), 0);
    assert_int_equal(r.lines, 8);
    assert_int_equal(r.counts[LP_ERROR], 4);        /* three 5xx, the nginx [error] */
    assert_int_equal(r.counts[LP_WARN], 1);         /* the 404 */
    assert_int_equal(r.counts[LP_INFO], 2);         /* 200 and 304 */
    assert_int_equal(r.unrecognized, 1);
    assert_int_equal(r.ntop, 3);
    assert_string_equal(r.top[0].message, "\"GET /api/orders/17 HTTP/1.1\" 500");
    assert_int_equal(r.top[0].count, 2);            /* numbers masked: 17/500 and 42/502 */
    assert_string_equal(r.top[1].message, "\"POST /login HTTP/1.1\" 503");
    assert_string_equal(r.top[2].message, "connect() failed");
    logparse_report_free(&r);
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
        cmocka_unit_test(test_access_log_lines),
        cmocka_unit_test(test_access_log_analyze),
        cmocka_unit_test(test_analyze),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
