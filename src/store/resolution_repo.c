/* resolution_repo — see resolution_repo.h. */
#include "store/resolution_repo.h"
#include "store/db.h"
#include "util.h"

#include <errno.h>
#include <string.h>

int resolution_repo_get_kill(Store *st, KillSwitchState *out)
{
    static const char sql[] = "SELECT global_enabled, kill_switch_actor, kill_switch_reason, "
                              "kill_switch_at FROM resolution_config WHERE id = 1";
    sqlite3_stmt *s = store_stmt(st, sql);
    memset(out, 0, sizeof *out);
    if (!s)
        return -EIO;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *t;
        out->active = !sqlite3_column_int(s, 0);
        t = (const char *)sqlite3_column_text(s, 1);
        strlcpy_(out->actor, t ? t : "", sizeof out->actor);
        t = (const char *)sqlite3_column_text(s, 2);
        strlcpy_(out->reason, t ? t : "", sizeof out->reason);
        out->at = store_col_time(s, 3);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -EIO;
}

int resolution_repo_set_kill(Store *st, int active, const char *actor, const char *reason,
                             int64_t now)
{
    static const char sql[] = "UPDATE resolution_config SET global_enabled = ?, "
                              "kill_switch_actor = ?, kill_switch_reason = ?, kill_switch_at = ? "
                              "WHERE id = 1";
    sqlite3_stmt *s = store_stmt(st, sql);
    if (!s)
        return -EIO;
    sqlite3_bind_int(s, 1, active ? 0 : 1);
    store_bind_text(s, 2, actor);
    store_bind_text(s, 3, reason);
    store_bind_time(s, 4, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -EIO;
}
