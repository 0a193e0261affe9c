/* test_secnorm — issue 12 item 3: every real-format sample under
 * tests/data/security/ (copied from each format's documentation, see its
 * README) normalized into seed 003's Normalized shape: severity,
 * severity_id (OCSF), title, timestamp and the observables, exactly. Then
 * the rules one by one: the Wazuh level and syslog severity tables,
 * severity words, source detection, observables on tricky text, RFC 6587
 * framing, and the errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/secnorm.h"

#define RECEIVED 1796083200LL   /* 2026-12-01T00:00:00Z */

typedef struct Sample {
    const char *file, *source;
    const char *severity;
    int         severity_id;
    const char *title, *timestamp;
    const char *observables;    /* "type:value" joined by " | " */
} Sample;

static const Sample samples[] = {
    {"alertmanager_v4.json", "alertmanager", "critical", 5,
     "BlackBox Probe Failure: https://server.example.org", "2023-02-06T13:08:45Z",
     "host:server.example.org | url:https://server.example.org"},
    {"alertmanager_gist.json", "alertmanager", "unknown", 0, "Test", "2018-08-03T07:52:26Z",
     "host:localhost"},
    {"alertmanager_0.25_firing.json", "alertmanager", "critical", 5,
     "SSH brute force from 203.0.113.7", "2026-12-01T14:05:08Z",
     "ip:10.20.30.40 | user:root | ip:203.0.113.7"},
    {"alertmanager_0.25_resolved.json", "alertmanager", "critical", 5,
     "SSH brute force from 203.0.113.7", "2026-12-01T14:05:08Z",
     "ip:10.20.30.40 | user:root | ip:203.0.113.7"},
    {"wazuh_ssh_invalid_user.json", "wazuh", "low", 2,
     "sshd: Attempt to login using a non-existent user", "2019-10-15T19:07:57Z",
     "host:linux-agent | ip:18.18.18.18 | user:blimey"},
    {"wazuh_fim_changed.json", "wazuh", "medium", 3, "Integrity checksum changed.",
     "2020-07-12T18:07:57Z",
     "host:RHEL7 | ip:10.0.1.214 | user:root | user:wazuh | ip:8.8.8.8"
     " | hash:feb5cea0deb5925101b642bca97dc7b3 | hash:54fb6627dbaa37721048e4549db3224d"
     " | hash:2aa2079c3972b4bb8f28d69877a7c5e93dacbe6f"
     " | hash:7335999eb54c15c67566186bdfc46f64e0d5a1aa"
     " | hash:48f09f8c313b303ce2ca9365f70ae8d992c5589c56493ac055f0ab129d82c365"
     " | hash:498f494232085ec83303a2bc6f04bea840c2b210fbbeda31a46a6e5674d4fc0e"},
    {"rfc5424_ex1.log", "syslog", "critical", 5, "su: 'su root' failed for lonvick on /dev/pts/8",
     "2003-10-11T22:14:15Z", "host:mymachine.example.com"},
    {"rfc5424_ex2.log", "syslog", "low", 2, "myproc: %% It's time to make the do-nuts.",
     "2003-08-24T12:14:15Z", "ip:192.0.2.1"},
    {"rfc5424_ex3.log", "syslog", "low", 2, "evntslog: An application event log entry...",
     "2003-10-11T22:14:15Z", "host:mymachine.example.com"},
    {"rfc5424_ex4.log", "syslog", "low", 2, "evntslog:", "2003-10-11T22:14:15Z",
     "host:mymachine.example.com"},
    {"rfc3164_ex1.log", "syslog", "critical", 5, "su: 'su root' failed for lonvick on /dev/pts/8",
     "2026-10-11T22:14:15Z", "host:mymachine"},
    {"rfc3164_ex2.log", "syslog", "low", 2, "Use the BFG!", "2026-02-05T17:32:18Z",
     "ip:10.0.0.99"},
    {"rfc3164_ex3.log", "syslog", "low", 2,
     "1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, "
     "Jelly=OK # Devices: Mixer=OK, Jelly_Injector=OK, Frier=OK # Transport: Co...",
     "2026-08-24T05:34:00Z", "host:CST"},
    {"rfc3164_ex4.log", "syslog", "critical", 5,
     "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!",
     "2026-12-01T00:00:00Z", "ip:10.1.2.3"},
    {"seed003_raw.json", "raw", "unknown", 0, "User login failed", "2025-08-17T12:01:00Z",
     "ip:10.0.0.1 | user:alice"},
    {"falco_generic.json", "generic", "high", 4, "Write below binary dir", "2019-10-03T16:31:56Z",
     "user:root"},
};

static char *read_sample(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/security/%s", SOURCE_ROOT, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static char *observables_text(const cJSON *obs)
{
    static char out[4096];
    out[0] = '\0';
    const cJSON *it;
    cJSON_ArrayForEach(it, obs) {
        if (out[0])
            strcat(out, " | ");
        strcat(out, cJSON_GetObjectItem(it, "type")->valuestring);
        strcat(out, ":");
        strcat(out, cJSON_GetObjectItem(it, "value")->valuestring);
    }
    return out;
}

static cJSON *normalize_file(const char *file, const char *source)
{
    size_t len;
    char *raw = read_sample(file, &len);
    char err[256] = "";
    cJSON *n = secnorm_normalize(source, raw, len, NULL, RECEIVED, err, sizeof err);
    if (!n)
        fail_msg("%s: %s", file, err);
    /* the detected source agrees with the one the sample is for */
    const char *ct = strcmp(source, "syslog") == 0 ? "text/plain" : "application/json";
    if (strcmp(source, "generic") != 0)
        assert_string_equal(secnorm_detect(raw, len, ct), source);
    free(raw);
    return n;
}

static void test_samples(void **state)
{
    (void)state;
    SecnormMapping m = {.severity = "priority", .timestamp = "time", .title = "rule",
                        .description = "output", .user = "output_fields.user.name"};
    secnorm_set_mapping(&m);
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        const Sample *s = &samples[i];
        cJSON *n = normalize_file(s->file, s->source);
        const cJSON *nz = cJSON_GetObjectItem(n, "normalized");
        print_message("# %s\n", s->file);
        assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(n, "original"), "source")
                                ->valuestring, s->source);
        assert_string_equal(cJSON_GetObjectItem(nz, "severity")->valuestring, s->severity);
        assert_int_equal(cJSON_GetObjectItem(nz, "severity_id")->valueint, s->severity_id);
        assert_string_equal(cJSON_GetObjectItem(nz, "title")->valuestring, s->title);
        assert_string_equal(cJSON_GetObjectItem(nz, "timestamp")->valuestring, s->timestamp);
        assert_string_equal(observables_text(cJSON_GetObjectItem(nz, "observables")),
                            s->observables);
        assert_true(cJSON_IsArray(cJSON_GetObjectItem(n, "mappings")));
        assert_true(cJSON_IsObject(cJSON_GetObjectItem(nz, "metadata")));
        assert_true(cJSON_IsString(cJSON_GetObjectItem(nz, "description")));
        cJSON_Delete(n);
    }
    SecnormMapping none = {0};
    secnorm_set_mapping(&none);
}

/* The details the table above does not show. */
static void test_sample_details(void **state)
{
    (void)state;
    cJSON *n = normalize_file("alertmanager_v4.json", "alertmanager");
    const cJSON *meta = cJSON_GetObjectItem(cJSON_GetObjectItem(n, "normalized"), "metadata");
    assert_string_equal(cJSON_GetObjectItem(meta, "fingerprint")->valuestring, "1a30ba71cca2921f");
    assert_string_equal(cJSON_GetObjectItem(meta, "status")->valuestring, "firing");
    assert_string_equal(cJSON_GetObjectItem(meta, "alertname")->valuestring, "ProbeFailure");
    const cJSON *maps = cJSON_GetObjectItem(n, "mappings");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(maps, 0), "from")->valuestring,
                        "labels.severity");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(n, "normalized"), "description")
                            ->valuestring,
                        "Instance https://server.example.org has been down for over 5m. Job: "
                        "http_checks");
    cJSON_Delete(n);

    n = normalize_file("alertmanager_0.25_resolved.json", "alertmanager");
    meta = cJSON_GetObjectItem(cJSON_GetObjectItem(n, "normalized"), "metadata");
    assert_string_equal(cJSON_GetObjectItem(meta, "status")->valuestring, "resolved");
    assert_string_equal(cJSON_GetObjectItem(meta, "endsAt")->valuestring, "2026-12-01T14:05:21Z");
    assert_string_equal(cJSON_GetObjectItem(meta, "fingerprint")->valuestring, "f836eb771e840fc1");
    cJSON_Delete(n);

    n = normalize_file("rfc5424_ex3.log", "syslog");
    meta = cJSON_GetObjectItem(cJSON_GetObjectItem(n, "normalized"), "metadata");
    assert_string_equal(cJSON_GetObjectItem(meta, "facility")->valuestring, "local4");
    assert_string_equal(cJSON_GetObjectItem(meta, "syslog_severity")->valuestring, "notice");
    assert_string_equal(cJSON_GetObjectItem(meta, "msgid")->valuestring, "ID47");
    const cJSON *sd = cJSON_GetObjectItem(cJSON_GetObjectItem(meta, "structured_data"),
                                          "exampleSDID@32473");
    assert_string_equal(cJSON_GetObjectItem(sd, "eventSource")->valuestring, "Application");
    cJSON_Delete(n);

    n = normalize_file("wazuh_ssh_invalid_user.json", "wazuh");
    meta = cJSON_GetObjectItem(cJSON_GetObjectItem(n, "normalized"), "metadata");
    assert_string_equal(cJSON_GetObjectItem(meta, "rule_id")->valuestring, "5710");
    assert_string_equal(cJSON_GetObjectItem(meta, "location")->valuestring, "/var/log/auth.log");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(meta, "groups")), 4);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(n, "normalized"), "description")
                            ->valuestring,
                        "Oct 15 21:07:56 linux-agent sshd[29205]: Invalid user blimey from "
                        "18.18.18.18 port 48928");
    cJSON_Delete(n);
}

static void test_syslog_parse_fields(void **state)
{
    (void)state;
    const char *line = "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - "
                       "%% It's time to make the do-nuts.";
    cJSON *p = secnorm_syslog_parse(line, strlen(line));
    assert_non_null(p);
    assert_int_equal(cJSON_GetObjectItem(p, "pri")->valueint, 165);
    assert_string_equal(cJSON_GetObjectItem(p, "facility")->valuestring, "local4");
    assert_string_equal(cJSON_GetObjectItem(p, "severity")->valuestring, "notice");
    assert_string_equal(cJSON_GetObjectItem(p, "procid")->valuestring, "8710");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(p, "msgid")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(p, "structured_data")));
    assert_string_equal(cJSON_GetObjectItem(p, "format")->valuestring, "rfc5424");
    cJSON_Delete(p);

    /* an escaped quote, backslash and bracket inside a PARAM-VALUE */
    line = "<13>1 - - - - - [a@1 k=\"x\\\"y\\\\z\\]\"] m";
    p = secnorm_syslog_parse(line, strlen(line));
    assert_non_null(p);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(
                            cJSON_GetObjectItem(p, "structured_data"), "a@1"), "k")->valuestring,
                        "x\"y\\z]");
    assert_string_equal(cJSON_GetObjectItem(p, "message")->valuestring, "m");
    cJSON_Delete(p);

    line = "<30>Dec  1 13:40:00 host sshd[42]: Accepted publickey for bob from 2001:db8::1 port 22";
    p = secnorm_syslog_parse(line, strlen(line));
    assert_string_equal(cJSON_GetObjectItem(p, "app_name")->valuestring, "sshd");
    assert_string_equal(cJSON_GetObjectItem(p, "procid")->valuestring, "42");
    assert_string_equal(cJSON_GetObjectItem(p, "message")->valuestring,
                        "Accepted publickey for bob from 2001:db8::1 port 22");
    cJSON_Delete(p);

    static const char *const bad[] = {
        "no pri here", "<192>1 - - - - - -", "<034>Oct 11 22:14:15 h m", "<13", "<>x",
        "<13>1 2003-13-40T00:00:00Z h a p m -",          /* a bad RFC 5424 timestamp */
        "<13>1 - - - - - [unterminated",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = secnorm_syslog_parse(bad[i], strlen(bad[i]));
        if (p)
            fail_msg("parsed: %s", bad[i]);
    }
}

static void test_severity_tables(void **state)
{
    (void)state;
    /* Wazuh rule.level 0..15 (README's table) */
    static const int wazuh[16] = {1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 5};
    for (int lv = 0; lv < 16; lv++)
        assert_int_equal(secnorm_wazuh_level_id(lv), wazuh[lv]);
    assert_int_equal(secnorm_wazuh_level_id(16), 0);     /* not a Wazuh level */
    assert_int_equal(secnorm_wazuh_level_id(99), 0);
    assert_int_equal(secnorm_wazuh_level_id(-1), 0);
    /* syslog: emerg alert crit err warning notice info debug */
    static const int sys[8] = {5, 5, 5, 4, 3, 2, 1, 1};
    for (int s = 0; s < 8; s++)
        assert_int_equal(secnorm_syslog_severity_id(s), sys[s]);
    static const struct {
        const char *w;
        int         id;
    } words[] = {{"critical", 5}, {"CRITICAL", 5}, {"high", 4}, {"error", 4}, {"medium", 3},
                 {"warning", 3},  {"low", 2},      {"info", 1}, {"informational", 1},
                 {"fatal", 6},    {"3", 3},        {"bogus", 0}, {"", 0},   {"7", 0}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        assert_int_equal(secnorm_severity_id(words[i].w), words[i].id);
    assert_int_equal(secnorm_severity_id(NULL), 0);
    static const char *const names[] = {"unknown", "info", "low", "medium", "high",
                                        "critical", "fatal"};
    for (int id = 0; id <= 6; id++)
        assert_string_equal(secnorm_severity_word(id), names[id]);
}

static void test_observables_text(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"from 10.0.0.1.", "ip:10.0.0.1"},
        {"version 3.10.0-1160.88.1 at 22:14:15 on ip-10-0-1-175", ""},
        {"1.2.3.4.5 and 256.1.1.1", ""},
        {"peer [2001:DB8:0:0::1]:443 and fe80::1%eth0", "ipv6:2001:db8::1 | ipv6:fe80::1"},
        {"mac aa:bb:cc:dd:ee:ff", ""},
        {"see https://evil.example/x?a=1&b=2). ok", "url:https://evil.example/x?a=1&b=2"},
        {"sha D41D8CD98F00B204E9800998ECF8427E!", "hash:d41d8cd98f00b204e9800998ecf8427e"},
        {"too long d41d8cd98f00b204e9800998ecf8427e0", ""},
        {"sudo: pam_unix(sudo:auth): auth failure; logname= uid=1000 user=carol",
         "user:carol"},
        {"Failed password for invalid user admin from 203.0.113.9 port 4242 ssh2",
         "user:admin | ip:203.0.113.9"},
        {"10.0.0.1 10.0.0.1 user=a user=a", "ip:10.0.0.1 | user:a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[512];
        snprintf(body, sizeof body, "%s", cases[i].text);
        char err[128];
        cJSON *n = secnorm_normalize("raw", body, strlen(body), "text/plain", RECEIVED, err,
                                     sizeof err);
        assert_non_null(n);
        const char *got = observables_text(
            cJSON_GetObjectItem(cJSON_GetObjectItem(n, "normalized"), "observables"));
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s\n got:  %s\n want: %s", cases[i].text, got, cases[i].want);
        cJSON_Delete(n);
    }
}

static void test_generic_defaults_and_json_users(void **state)
{
    (void)state;
    SecnormMapping none = {0};
    secnorm_set_mapping(&none);
    const char *body = "{\"severity\": \"warning\", \"@timestamp\": \"2024-05-01T10:00:00+02:00\","
                       " \"message\": \"Brute force\", \"host\": {\"name\": \"web-1\"},"
                       " \"user\": {\"name\": \"dave\"}, \"source\": {\"ip\": \"192.0.2.7\"}}";
    char err[128];
    cJSON *n = secnorm_normalize("generic", body, strlen(body), NULL, RECEIVED, err, sizeof err);
    assert_non_null(n);
    const cJSON *nz = cJSON_GetObjectItem(n, "normalized");
    assert_string_equal(cJSON_GetObjectItem(nz, "severity")->valuestring, "medium");
    assert_string_equal(cJSON_GetObjectItem(nz, "timestamp")->valuestring, "2024-05-01T08:00:00Z");
    assert_string_equal(cJSON_GetObjectItem(nz, "title")->valuestring, "Brute force");
    assert_string_equal(observables_text(cJSON_GetObjectItem(nz, "observables")),
                        "host:web-1 | user:dave | ip:192.0.2.7");
    cJSON_Delete(n);

    /* a numeric epoch timestamp (ms) and a numeric OCSF severity */
    body = "{\"time\": 1700000000000, \"level\": 4, \"title\": \"x\"}";
    n = secnorm_normalize("generic", body, strlen(body), NULL, RECEIVED, err, sizeof err);
    nz = cJSON_GetObjectItem(n, "normalized");
    assert_string_equal(cJSON_GetObjectItem(nz, "timestamp")->valuestring, "2023-11-14T22:13:20Z");
    assert_int_equal(cJSON_GetObjectItem(nz, "severity_id")->valueint, 4);
    cJSON_Delete(n);
}

/* Defect 16: Falco's JSON output needs no mapping (README's example):
 * rule is the title, output the description, priority the severity, time
 * the time, output_fields the observables. */
static void test_falco_without_mapping(void **state)
{
    (void)state;
    SecnormMapping none = {0};
    secnorm_set_mapping(&none);
    cJSON *n = normalize_file("falco_generic.json", "generic");
    const cJSON *nz = cJSON_GetObjectItem(n, "normalized");
    assert_string_equal(cJSON_GetObjectItem(nz, "title")->valuestring, "Write below binary dir");
    assert_string_equal(cJSON_GetObjectItem(nz, "description")->valuestring,
                        "16:31:56.746609046: Error File below a known binary directory opened "
                        "for writing (user=root command=touch /bin/hack file=/bin/hack)");
    assert_string_equal(cJSON_GetObjectItem(nz, "severity")->valuestring, "high");
    assert_int_equal(cJSON_GetObjectItem(nz, "severity_id")->valueint, 4);
    assert_string_equal(cJSON_GetObjectItem(nz, "timestamp")->valuestring, "2019-10-03T16:31:56Z");
    assert_string_equal(observables_text(cJSON_GetObjectItem(nz, "observables")), "user:root");
    const cJSON *meta = cJSON_GetObjectItem(nz, "metadata");
    assert_string_equal(cJSON_GetObjectItem(meta, "sensor")->valuestring, "falco");
    assert_string_equal(cJSON_GetObjectItem(meta, "rule")->valuestring, "Write below binary dir");
    assert_string_equal(cJSON_GetObjectItem(meta, "priority")->valuestring, "Error");
    assert_true(cJSON_IsObject(cJSON_GetObjectItem(meta, "output_fields")));
    cJSON_Delete(n);

    /* every Falco priority, and the network/container output fields */
    static const struct {
        const char *priority, *severity;
        int         id;
    } prio[] = {{"Emergency", "critical", 5}, {"Alert", "critical", 5},
                {"Critical", "critical", 5},  {"Error", "high", 4},
                {"Warning", "medium", 3},     {"Notice", "low", 2},
                {"Informational", "info", 1}, {"Debug", "info", 1}};
    for (size_t i = 0; i < sizeof prio / sizeof prio[0]; i++) {
        char body[1024];
        snprintf(body, sizeof body,
                 "{\"output\": \"Outbound connection (command=curl -s "
                 "d41d8cd98f00b204e9800998ecf8427e)\", \"priority\": \"%s\", "
                 "\"rule\": \"Unexpected outbound connection\", "
                 "\"time\": \"2024-03-01T10:00:00.123456789Z\", \"source\": \"syscall\", "
                 "\"tags\": [\"network\"], \"output_fields\": {\"fd.sip\": \"198.51.100.9\", "
                 "\"fd.cip\": \"10.1.2.3\", \"user.name\": \"www-data\", "
                 "\"container.id\": \"3ad7b26ded6d\", \"proc.cmdline\": \"curl -s "
                 "d41d8cd98f00b204e9800998ecf8427e\"}}",
                 prio[i].priority);
        char err[128] = "";
        n = secnorm_normalize("generic", body, strlen(body), NULL, RECEIVED, err, sizeof err);
        assert_non_null(n);
        nz = cJSON_GetObjectItem(n, "normalized");
        assert_string_equal(cJSON_GetObjectItem(nz, "severity")->valuestring, prio[i].severity);
        assert_int_equal(cJSON_GetObjectItem(nz, "severity_id")->valueint, prio[i].id);
        assert_string_equal(cJSON_GetObjectItem(nz, "title")->valuestring,
                            "Unexpected outbound connection");
        assert_string_equal(cJSON_GetObjectItem(nz, "timestamp")->valuestring,
                            "2024-03-01T10:00:00Z");
        assert_string_equal(observables_text(cJSON_GetObjectItem(nz, "observables")),
                            "user:www-data | ip:198.51.100.9 | ip:10.1.2.3 | host:3ad7b26ded6d"
                            " | hash:d41d8cd98f00b204e9800998ecf8427e");
        cJSON_Delete(n);
    }
    /* container.id "host" (an event outside a container) is not a host */
    const char *body = "{\"output\": \"x\", \"priority\": \"Notice\", \"rule\": \"r\","
                       " \"output_fields\": {\"container.id\": \"host\"}}";
    char err[128] = "";
    n = secnorm_normalize("generic", body, strlen(body), NULL, RECEIVED, err, sizeof err);
    assert_string_equal(observables_text(cJSON_GetObjectItem(cJSON_GetObjectItem(n, "normalized"),
                                                             "observables")), "");
    cJSON_Delete(n);
}

/* Defect 13: a rule.level that is no Wazuh level (0..15) is Unknown (0)
 * with the reason in metadata, never critical. */
static void test_wazuh_bad_levels(void **state)
{
    (void)state;
    static const struct {
        const char *level;
        int         id;
        const char *reason;     /* NULL: a valid level */
    } cases[] = {
        {"\"x\"", 0, "rule.level must be an integer from 0 to 15, not \"x\""},
        {"99", 0, "rule.level must be an integer from 0 to 15, not 99"},
        {"16", 0, "rule.level must be an integer from 0 to 15, not 16"},
        {"-1", 0, "rule.level must be an integer from 0 to 15, not -1"},
        {"3.5", 0, "rule.level must be an integer from 0 to 15, not 3.5"},
        {"1e300", 0, "rule.level must be an integer from 0 to 15, not 1e+300"},
        {"\"\"", 0, "rule.level must be an integer from 0 to 15, not \"\""},
        {"\"99\"", 0, "rule.level must be an integer from 0 to 15, not \"99\""},
        {"true", 0, "rule.level must be an integer from 0 to 15, not true"},
        {"null", 0, "rule.level must be an integer from 0 to 15, not null"},
        {"{}", 0, "rule.level must be an integer from 0 to 15, not {}"},
        {"15", 5, NULL},
        {"\"12\"", 4, NULL},
        {"0", 1, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char body[256];
        snprintf(body, sizeof body, "{\"rule\": {\"level\": %s, \"description\": \"d\"}}",
                 cases[i].level);
        char err[128] = "";
        cJSON *n = secnorm_normalize("wazuh", body, strlen(body), NULL, RECEIVED, err, sizeof err);
        assert_non_null(n);
        const cJSON *nz = cJSON_GetObjectItem(n, "normalized");
        if (cJSON_GetObjectItem(nz, "severity_id")->valueint != cases[i].id)
            fail_msg("level %s: severity_id %d", cases[i].level,
                     cJSON_GetObjectItem(nz, "severity_id")->valueint);
        const cJSON *why = cJSON_GetObjectItem(cJSON_GetObjectItem(nz, "metadata"),
                                               "severity_reason");
        if (cases[i].reason) {
            assert_string_equal(cJSON_GetObjectItem(nz, "severity")->valuestring, "unknown");
            assert_non_null(why);
            assert_string_equal(why->valuestring, cases[i].reason);
        } else {
            assert_null(why);
        }
        cJSON_Delete(n);
    }
    /* the same through POST /api/ingestion/raw's {id, payload} (detected) */
    const char *raw = "{\"id\": \"a-1\", \"payload\": {\"rule\": {\"level\": 99}}}";
    char err[128] = "";
    cJSON *n = secnorm_normalize("upload", raw, strlen(raw), NULL, RECEIVED, err, sizeof err);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(n, "original"), "source")
                            ->valuestring, "wazuh");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(n, "normalized"), "severity_id")
                         ->valueint, 0);
    cJSON_Delete(n);
    /* the level check the ingest endpoint uses */
    int lv = -1;
    char why[96];
    assert_int_equal(secnorm_wazuh_level(NULL, &lv, why, sizeof why), 0);
    cJSON *v = cJSON_CreateNumber(7);
    assert_int_equal(secnorm_wazuh_level(v, &lv, why, sizeof why), 1);
    assert_int_equal(lv, 7);
    cJSON_Delete(v);
    v = cJSON_CreateString("a very long level that goes on and on and on and on");
    assert_int_equal(secnorm_wazuh_level(v, &lv, why, sizeof why), -EINVAL);
    assert_string_equal(why,
                        "an integer from 0 to 15, not \"a very long level that goes on and ...");
    cJSON_Delete(v);
}

static void test_errors_and_detect(void **state)
{
    (void)state;
    char err[128] = "";
    assert_null(secnorm_normalize("wazuh", "{not json", 9, NULL, RECEIVED, err, sizeof err));
    assert_string_equal(err, "not valid JSON");
    assert_null(secnorm_normalize("syslog", "hello", 5, NULL, RECEIVED, err, sizeof err));
    assert_null(secnorm_normalize("wazuh", "{\"a\": 1}", 8, NULL, RECEIVED, err, sizeof err));
    assert_null(secnorm_normalize("alertmanager", "[1]", 3, NULL, RECEIVED, err, sizeof err));

    assert_string_equal(secnorm_detect("<13>hello", 9, "text/plain"), "syslog");
    assert_string_equal(secnorm_detect("{\"rule\":{\"level\":3}}", 20, NULL), "wazuh");
    assert_string_equal(secnorm_detect("{\"a\":1}", 7, NULL), "generic");
    assert_string_equal(secnorm_detect("hello", 5, NULL), "raw");
    /* "upload" (or NULL) detects */
    const char *am = "{\"labels\":{\"alertname\":\"A\",\"severity\":\"high\"},\"startsAt\":"
                     "\"2024-01-01T00:00:00Z\",\"fingerprint\":\"ab\"}";
    cJSON *n = secnorm_normalize("upload", am, strlen(am), NULL, RECEIVED, err, sizeof err);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(n, "original"), "source")
                            ->valuestring, "alertmanager");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(n, "normalized"), "severity_id")
                         ->valueint, 4);
    cJSON_Delete(n);
}

static void test_framing(void **state)
{
    (void)state;
    const char *msg;
    size_t mlen, used;
    /* octet counting */
    const char *oc = "11 <13>1 - - x5 <1>a";
    assert_int_equal(secnorm_syslog_frame(oc, strlen(oc), 65536, &msg, &mlen, &used), 1);
    assert_int_equal(mlen, 11);
    assert_memory_equal(msg, "<13>1 - - x", 11);
    assert_int_equal(used, 14);
    /* incomplete: wait */
    assert_int_equal(secnorm_syslog_frame("11 <13>", 7, 65536, &msg, &mlen, &used), 0);
    assert_int_equal(secnorm_syslog_frame("12", 2, 65536, &msg, &mlen, &used), 0);
    /* LF framing, CR dropped */
    const char *lf = "<13>hello\r\n<14>next";
    assert_int_equal(secnorm_syslog_frame(lf, strlen(lf), 65536, &msg, &mlen, &used), 1);
    assert_int_equal(mlen, 9);
    assert_int_equal(used, 11);
    assert_int_equal(secnorm_syslog_frame("<14>next", 8, 65536, &msg, &mlen, &used), 0);
    /* too long or malformed */
    assert_int_equal(secnorm_syslog_frame("70000 <13>", 10, 65536, &msg, &mlen, &used), -1);
    assert_int_equal(secnorm_syslog_frame("12x", 3, 65536, &msg, &mlen, &used), -1);
    assert_int_equal(secnorm_syslog_frame("0 ", 2, 65536, &msg, &mlen, &used), -1);
    assert_int_equal(secnorm_syslog_frame("<13>aaaaaaaaaa", 14, 8, &msg, &mlen, &used), -1);
}

/* Every prefix of every sample, under every source name, and random
 * bytes: never a crash (ASan), and either NULL with a message or a whole
 * Normalized object. */
static void check_one(const char *source, const char *buf, size_t len)
{
    char err[256] = "";
    cJSON *n = secnorm_normalize(source, buf, len, NULL, RECEIVED, err, sizeof err);
    if (!n) {
        assert_true(err[0] != '\0');
        return;
    }
    const cJSON *nz = cJSON_GetObjectItem(n, "normalized");
    assert_true(cJSON_IsString(cJSON_GetObjectItem(nz, "severity")));
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(nz, "severity_id")));
    assert_true(cJSON_IsString(cJSON_GetObjectItem(nz, "timestamp")));
    assert_true(cJSON_IsArray(cJSON_GetObjectItem(nz, "observables")));
    cJSON_Delete(n);
}

static void test_truncated_and_random(void **state)
{
    (void)state;
    static const char *const sources[] = {"alertmanager", "wazuh", "syslog", "generic", "raw",
                                          "upload"};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        size_t len;
        char *raw = read_sample(samples[i].file, &len);
        for (size_t cut = 0; cut <= len; cut++) {
            char *p = malloc(cut ? cut : 1);     /* exactly cut bytes: ASan sees overreads */
            memcpy(p, raw, cut);
            for (size_t s = 0; s < sizeof sources / sizeof sources[0]; s++)
                check_one(sources[s], p, cut);
            cJSON *sl = secnorm_syslog_parse(p, cut);
            cJSON_Delete(sl);
            (void)secnorm_detect(p, cut, NULL);
            free(p);
        }
        free(raw);
    }
    unsigned seed = 12;
    static const char alphabet[] = "<>0123456789 :.[]=\"\\-abcdefuser=for from\n\xef\xbb\xbf{}";
    for (int k = 0; k < 3000; k++) {
        size_t len = (size_t)(rand_r(&seed) % 120);
        char *p = malloc(len ? len : 1);
        for (size_t i = 0; i < len; i++)
            p[i] = k % 2 ? alphabet[rand_r(&seed) % (sizeof alphabet - 1)] : (char)rand_r(&seed);
        if (len > 4 && k % 3 == 0)
            memcpy(p, "<13>1 ", len < 6 ? len : 6);
        check_one("syslog", p, len);
        check_one("upload", p, len);
        free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_sample_details),
        cmocka_unit_test(test_syslog_parse_fields),
        cmocka_unit_test(test_severity_tables),
        cmocka_unit_test(test_observables_text),
        cmocka_unit_test(test_generic_defaults_and_json_users),
        cmocka_unit_test(test_falco_without_mapping),
        cmocka_unit_test(test_wazuh_bad_levels),
        cmocka_unit_test(test_errors_and_detect),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_truncated_and_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
