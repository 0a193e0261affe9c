/* fuzz_db — the database fixture of the fuzz targets that run handlers
 * (issue 13): a real SQLite file in a private temporary folder, migrated
 * and seeded with the demo set (users with an Admin, services, incidents,
 * alerts, one security alert), kept as a pristine copy so a target can
 * go back to it when its inputs made the database grow.
 *
 * Thread: the fuzzing thread only (LLVMFuzzerInitialize, then each input).
 */
#ifndef RESOPS_FUZZ_DB_H
#define RESOPS_FUZZ_DB_H

#include <stdint.h>
#include "domain/users.h"
#include "store/store.h"

typedef struct FuzzDb {
    Store   *st;
    char     dir[64], path[96], pristine[112];
    UserInfo admin;                      /* the demo's Admin, with a live session */
    char     jti[USERS_JTI_LEN + 1];     /* that session's id */
    int64_t  now;                        /* when it was seeded */
} FuzzDb;

/* Create, migrate, seed and open the database under /tmp/fuzz-<tag>-XXXXXX
 * (removed at exit); aborts on any failure (a fuzz target without its
 * fixture tests nothing). */
void fuzz_db_open(FuzzDb *db, const char *tag);
/* Close the Store, copy the pristine file back and reopen. */
void fuzz_db_reset(FuzzDb *db);

#endif
