/* migrations — the SQL of data/migrations/, embedded at build time by
 * tools/embed_sql.py. store_migrations[i] brings user_version i to i+1.
 * Internal to src/store: never include it from another folder. */
#ifndef RESOPS_STORE_MIGRATIONS_H
#define RESOPS_STORE_MIGRATIONS_H

extern const char *const store_migrations[];
extern const int store_migration_count;

#endif
