/* db — internal to src/store: never include it from another folder.
 *
 * The SQLite side of the Store that the repositories are written with:
 * the connection, the prepared-statement cache and the bind/column
 * helpers. Everything else sees store/store.h only, which names no SQLite
 * type (a check in tests/ fails when a file above the store includes this
 * header or <sqlite3.h>).
 *
 * Thread: the Store's owner.
 */
#ifndef RESOPS_STORE_DB_H
#define RESOPS_STORE_DB_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "store/store.h"

sqlite3 *store_db(Store *st);

/* Durable answers (issue 13, groupcommit.c): 1 when a transaction
 * committed on st since the last call (and clear that), else 0. */
int store_take_wrote(Store *st);
/* groupcommit.c's per-connection cache of its Group (NULL at first). */
void **store_group_slot(Store *st);
/* fdatasync st's write-ahead log: 0, or -EIO. */
int store_wal_fsync(Store *st);

/* A cached prepared statement for a static SQL string, reset and with
 * bindings cleared, ready to bind. NULL on a prepare error (logged). */
sqlite3_stmt *store_stmt(Store *st, const char *sql);

/* Run a one-off statement with no results; 0 or -EIO (logged). */
int store_exec(Store *st, const char *sql);

/* Helpers for repositories: bind text/NULL, read nullable text. */
int  store_bind_text(sqlite3_stmt *s, int idx, const char *v); /* NULL → NULL */
int  store_bind_time(sqlite3_stmt *s, int idx, int64_t t);     /* 0 → NULL */
/* Column as epoch seconds (ISO text); 0 when NULL or unparsable. */
int64_t store_col_time(sqlite3_stmt *s, int col);
/* Column text copied into dst (truncated, "" when NULL). */
void store_col_copy(sqlite3_stmt *s, int col, char *dst, size_t size);
/* Column text duplicated (caller frees), NULL when NULL. */
char *store_col_strdup(sqlite3_stmt *s, int col);

/* Run a bound statement that returns no row, then reset it:
 * store_step_done 0, store_step_changes the rows it changed; -EIO when
 * it failed. */
int store_step_done(sqlite3_stmt *s);
int store_step_changes(Store *st, sqlite3_stmt *s);

/* Every row of a bound statement into a growing array: read() fills one
 * item of size bytes from the current row (it must not own memory: on an
 * error the array is freed whole). *out gets the array (the caller frees
 * it; NULL when there is no row). The row count, or -EIO with *out NULL.
 * The statement is reset. */
typedef void (*StoreRowFn)(sqlite3_stmt *s, void *item);
int store_rows(sqlite3_stmt *s, size_t size, StoreRowFn read, void **out);

#endif
