/* store — the public face of the storage floor: an opaque Store (one
 * connection to the database), transactions, and the knobs the wings
 * need (change counter, checkpoints, commit turns). The repositories
 * (store/<entity>_repo.h) are the rest of the public API; none of it names a
 * SQLite type, so a second backend can sit behind the same names.
 *
 * store_open() opens (creating when allowed) the file, turns on WAL,
 * foreign keys and a busy timeout, and applies the migrations of
 * data/migrations/ recorded in PRAGMA user_version. A database written by
 * a newer resops is refused.
 *
 * Transactions nest. The outermost store_begin() opens a write
 * transaction (BEGIN IMMEDIATE, so writers queue on busy_timeout rather
 * than failing at COMMIT); a store_begin() inside it opens a savepoint.
 * store_commit() and store_rollback() end the innermost level only: a
 * rolled-back inner level undoes its own writes and the outer levels go
 * on and commit theirs. Every store_begin() is ended by exactly one
 * store_commit() or store_rollback(). A store_commit() that fails has
 * ended its level (rolled back): a store_rollback() after it is a no-op
 * at the outermost level, and would end the caller's level inside a
 * transaction. (An inner commit fails only when SQLite has already ended
 * the whole transaction, a full disk or an I/O error, so that extra
 * rollback then issues no SQL; the outermost commit reports the loss.)
 *
 * Thread: a Store belongs to the thread that opened it; every thread that
 * touches the database opens its own (design rule 3). StoreTurns: any.
 */
#ifndef RESOPS_STORE_STORE_H
#define RESOPS_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

typedef struct Store Store;

/* Returns 0 and *out, or a negative errno with err filled:
 * -EACCES/-ENOENT/-EIO "cannot open ...", -EPROTO "newer schema". */
int  store_open(const char *path, Store **out, char *err, size_t errsz);
void store_close(Store *st);   /* NULL ok */

const char *store_path(const Store *st);

/* Durable group commit (issue 12): run fn(conn, arg) inside a write
 * transaction that concurrent callers on other threads may share, and
 * return fn's result only after the transaction committed with
 * synchronous=FULL (the change survives power loss). fn must write only
 * through the Store it is handed (possibly another thread's connection)
 * and return 0 or -errno; a failing fn undoes only its own writes (it runs
 * in a savepoint). -EIO when the commit failed (every fn of the batch is
 * then lost and told so). */
typedef int (*StoreGroupFn)(Store *conn, void *arg);
int store_group_commit(Store *st, StoreGroupFn fn, void *arg);

/* Durable answers (issue 13): call before answering a person or a client
 * whose request wrote through st (outside any transaction). Returns once
 * everything st committed is on disk (its write-ahead log fdatasynced,
 * one fsync shared by the answers of every thread that committed
 * meanwhile): 0, at once when st committed nothing since the last call;
 * -EIO when the fsync failed (the change is stored but might not survive
 * a power cut). groupcommit.c explains it. */
int store_sync_answer(Store *st);
/* Another connection committed rows on st's caller's behalf (a group
 * writer's leader): st's next store_sync_answer must sync them. Call it
 * after that commit returned. */
void store_note_wrote(Store *st);

/* Open a level: a write transaction at the outermost level, else a
 * savepoint. 0, or -EIO (no level was opened; the outer levels, if any,
 * are as they were, or gone when the database lost the transaction). */
int  store_begin(Store *st);
/* End the innermost level keeping its writes (they become durable when
 * the outermost level commits). 0; -EIO when it failed (the level's
 * writes are rolled back and the level is ended); -EINVAL with no level
 * open. */
int  store_commit(Store *st);
/* End the innermost level undoing its writes; the outer levels go on.
 * No-op with no level open. */
void store_rollback(Store *st);
/* Levels open now (0 = none). */
int  store_depth(const Store *st);

/* A read transaction, so several reads see one moment (the snapshot):
 * a deferred BEGIN at the outermost level, else a savepoint inside the
 * caller's transaction. End it with store_end_read(). 0 or -EIO. */
int  store_begin_read(Store *st);
int  store_end_read(Store *st);

/* Last error text of the connection (borrowed). */
const char *store_errmsg(Store *st);

/* After a failed write: 1 and a sentence for the user in buf when it
 * failed because the database is read-only for this process (file modes,
 * a read-only open, a moved file), else 0. Any error path may ask (N3:
 * the console says this instead of a bare storage error). */
int store_readonly_why(Store *st, char *buf, size_t size);

/* The writer this connection acts for (the console's login name), or
 * NULL: audit rows it adds without a user or actor name it (audit_repo). */
void        store_set_actor(Store *st, const char *actor);
const char *store_actor(Store *st);

/* Page cache of this connection in MiB (SQLite's default is 2). The
 * engine, which scans every service each cycle, asks for more. */
void store_set_cache_mb(Store *st, int mib);

/* Checkpoint the WAL now without waiting for readers, and stop this
 * connection from checkpointing inside its own commits (the engine does
 * it after a tick, off the measured cycle). */
void store_manual_checkpoints(Store *st);
void store_checkpoint(Store *st);

/* Commit turns shared by the connections of one process (the listener's):
 * a connection that finds the write lock taken waits for the next commit
 * of a connection sharing the same turns (at most poll_ms a try, wait_ms
 * in all) instead of SQLite's 1..100 ms sleeps, and each commit wakes one
 * waiter. A commit that leaves the WAL over ckpt_frames frames
 * checkpoints it (passive) at once; the connection otherwise leaves
 * checkpoints to its owner (store_manual_checkpoints). Any thread. */
typedef struct StoreTurns StoreTurns;
StoreTurns *store_turns_new(int ckpt_frames, int wait_ms, int poll_ms);
void        store_turns_free(StoreTurns *t);   /* NULL ok; after its stores closed */
void        store_share_turns(Store *st, StoreTurns *t);

/* The change counter: a value that moves when another connection
 * commits (PRAGMA data_version); -1 when it cannot be read. */
int64_t store_data_version(Store *st);

#endif
