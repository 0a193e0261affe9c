/* fuzz_playbook — playbook JSON (seed 001's playbooks, issue 9's
 * playbook file): src/domain/playbook.c and actions.c (issue 13 item 1).
 *
 * Byte 0 picks the reader, the rest is the JSON text:
 *   0  playbook_parse (a step array as the host's file and the database
 *      hold it)
 *   1  playbook_parse_api (a step array from the API or the console)
 *   2  the whole playbook file: actions_load into the catalog, then every
 *      demo category through actions_category and a step array through
 *      actions_resolve, actions_list_json; the catalog is cleared after
 *   3  actions_check (the file's validation alone)
 * A parsed playbook must come back from its JSON form: playbook_to_json,
 * parsed again, gives the same text, or the program aborts. Each step's
 * description and URL also go through playbook_expand_as in every mode
 * with fixed values.
 */
#include "domain/actions.h"
#include "domain/playbook.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const extra[] = {"target.ip", "10.0.0.1", "param.minutes", "60", NULL};
static const PlaybookVars vars = {
    .incident_id = "INC-1", .category = "application", .priority = "high",
    .service = "Order Service", .created_by = "fuzz", .service_id = 3, .extra = extra,
};

static void expand_steps(const Playbook *p)
{
    char err[256];
    for (int i = 0; i < p->n; i++) {
        const PlaybookStep *s = &p->steps[i];
        for (int m = EXPAND_ARG; m <= EXPAND_HEADER; m++) {
            free(playbook_expand_as(s->description, &vars, (ExpandMode)m, err, sizeof err));
            if (s->url)
                free(playbook_expand_as(s->url, &vars, (ExpandMode)m, err, sizeof err));
        }
        free(playbook_expand(s->description, &vars));
    }
}

/* to_json(parse(to_json(p))) == to_json(p) */
static void round_trip(const Playbook *p)
{
    char *json = playbook_to_json(p), err[256];
    Playbook again;
    if (playbook_parse(json, &again, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_playbook: its own JSON does not parse: %s\n%s\n", err, json);
        abort();
    }
    char *json2 = playbook_to_json(&again);
    if (strcmp(json, json2) != 0) {
        fprintf(stderr, "fuzz_playbook: round trip differs:\n%s\n%s\n", json, json2);
        abort();
    }
    free(json);
    free(json2);
    playbook_free(&again);
}

static void catalog(const char *text)
{
    static const char *const categories[] = {"application", "database", "network", "other"};
    char err[256];
    if (actions_load(text, "fuzz", err, sizeof err) != 0)
        return;
    for (size_t i = 0; i < sizeof categories / sizeof categories[0]; i++) {
        Playbook p;
        if (actions_category(categories[i], &p, err, sizeof err) == 1)
            playbook_free(&p);
    }
    Playbook p;
    if (playbook_parse("[{\"type\":\"action\",\"action\":\"restart-web\"}]", &p, err,
                       sizeof err) == 0) {
        actions_resolve(&p, err, sizeof err);
        playbook_free(&p);
    }
    free(actions_list_json());
    actions_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = malloc(size), err[256];
    if (!text)
        abort();
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    Playbook p;
    switch (data[0] & 3) {
    case 0:
    case 1:
        if ((data[0] & 3 ? playbook_parse_api : playbook_parse)(text, &p, err, sizeof err) == 0) {
            playbook_acts(&p);
            round_trip(&p);
            expand_steps(&p);
            playbook_free(&p);
        }
        break;
    case 2:
        catalog(text);
        break;
    default:
        actions_check(text, err, sizeof err);
    }
    free(text);
    return 0;
}
