/* cli_token — `resops token create|list|revoke` (issue 12 item 2): the
 * machine tokens of collectors from the shell, through domain/tokens.h
 * (validated and audited like the API's and the console's).
 * Thread: main, before any other thread starts. */
#ifndef RESOPS_CLI_TOKEN_H
#define RESOPS_CLI_TOKEN_H

#include <stdio.h>

/* argv[0] is "token". Returns the process exit code: 0, 1 an error (a
 * duplicate or unknown name, storage), 2 usage (an unknown scope or
 * option). */
int cli_token(int argc, char **argv, const char *db_path);

void cli_token_usage(FILE *out);

#endif
