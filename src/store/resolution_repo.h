/* resolution_repo — seed 001's global auto-resolution config row and the
 * kill switch (global_enabled = 0 means the switch is active). */
#ifndef RESOPS_STORE_RESOLUTION_REPO_H
#define RESOPS_STORE_RESOLUTION_REPO_H

#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

typedef struct KillSwitchState {
    int     active;              /* 1 = auto-resolution disabled */
    char    actor[321];
    char    reason[256];
    int64_t at;
} KillSwitchState;

int resolution_repo_get_kill(Store *st, KillSwitchState *out);          /* 0 / -EIO */
int resolution_repo_set_kill(Store *st, int active, const char *actor, const char *reason,
                             int64_t now);

#endif
