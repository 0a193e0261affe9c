/* deps_repo — see deps_repo.h. */
#include "store/deps_repo.h"
#include "store/db.h"

#include <errno.h>

int deps_repo_set(Store *st, int64_t service_id, const int64_t *deps, int n)
{
    static const char del[] = "DELETE FROM service_dependencies WHERE service_id = ?";
    static const char ins[] = "INSERT OR IGNORE INTO service_dependencies (service_id, dependency_id) "
                              "VALUES (?, ?)";
    sqlite3_stmt *s = store_stmt(st, del);
    if (!s)
        return -EIO;
    sqlite3_bind_int64(s, 1, service_id);
    if (store_step_changes(st, s) < 0)
        return -EIO;
    for (int i = 0; i < n; i++) {
        s = store_stmt(st, ins);
        if (!s)
            return -EIO;
        sqlite3_bind_int64(s, 1, service_id);
        sqlite3_bind_int64(s, 2, deps[i]);
        if (store_step_changes(st, s) < 0)
            return -EIO;
    }
    return 0;
}
