-- 0015 (issue 12 fix): a revoked machine token's name can be used again,
-- so a collector's key is rotated under the same name (revoke, create).
-- A name is unique among unrevoked tokens only. SQLite cannot drop the
-- column's UNIQUE in place: the table is rebuilt (ids kept: the audit's
-- "API Token ..." rows name them; the hash stays UNIQUE) and a partial
-- unique index holds the rule. store/db.c runs migrations with foreign
-- keys off (no table references api_token).
CREATE TABLE api_token_new (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    scope        TEXT NOT NULL CHECK (scope IN ('ingest', 'read', 'write')),
    hash         BLOB NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,         -- the first characters, to recognise it
    created_by   TEXT,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
INSERT INTO api_token_new (id, name, scope, hash, prefix, created_by, created_at,
                           last_used_at, revoked_at)
    SELECT id, name, scope, hash, prefix, created_by, created_at, last_used_at, revoked_at
      FROM api_token;
DROP TABLE api_token;
ALTER TABLE api_token_new RENAME TO api_token;
CREATE UNIQUE INDEX api_token_live_name ON api_token(name) WHERE revoked_at IS NULL;
