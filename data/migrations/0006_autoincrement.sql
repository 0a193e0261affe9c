-- 0006: ids are never reused (issue 9, B14), service names are unique
-- (B11) and a service knows when it was created (B12).
--
-- Without AUTOINCREMENT SQLite hands out max(id) + 1, so deleting the
-- newest service gave its id to the next one, and the audit rows and
-- PagerDuty dedup keys ("resops-<service_id>-<type>") of the old service
-- then pointed at the new one. The tables whose ids leave the database
-- (audit rows, notification keys, API answers) are rebuilt with
-- INTEGER PRIMARY KEY AUTOINCREMENT by SQLite's 12-step procedure
-- (https://www.sqlite.org/lang_altertable.html#otheralter): new table,
-- copy, drop, rename, indexes. store/db.c runs every migration with
-- foreign_keys off (a DROP TABLE would otherwise cascade into the child
-- tables) and runs PRAGMA foreign_key_check before it commits; the child
-- tables' REFERENCES service(id) / user(id) name the table, so they hold
-- for the rebuilt one.
--
-- Each table's sequence starts above every id it ever gave out that we
-- can still see (audit rows, outbox rows), not only above the ids left.
--
-- Duplicate service names (compared like the new unique index: ASCII
-- case-insensitively, without surrounding spaces) are kept, renamed: the
-- oldest keeps its name, the later ones become "Name (2)", "Name (3)"...
-- ("Name (#<id>)" if that too is taken). Each rename is audited as
-- "Service Renamed" with the old name, so nothing is lost.

-- service -------------------------------------------------------------
CREATE TEMP TABLE svc_name AS
    SELECT id, name AS old_name,
           row_number() OVER (PARTITION BY lower(trim(name)) ORDER BY id) AS rn
    FROM service;
UPDATE svc_name SET rn = 0 WHERE rn = 1;
CREATE TEMP TABLE svc_rename AS
    SELECT id, old_name,
           substr(trim(old_name), 1, 100 - length(' (' || rn || ')')) || ' (' || rn || ')'
               AS new_name
    FROM svc_name WHERE rn > 0;
UPDATE svc_rename
   SET new_name = substr(trim(old_name), 1, 100 - length(' (#' || id || ')')) || ' (#' || id || ')'
 WHERE EXISTS (SELECT 1 FROM service s
                WHERE lower(trim(s.name)) = lower(svc_rename.new_name))
    OR (SELECT count(*) FROM svc_rename o
         WHERE lower(o.new_name) = lower(svc_rename.new_name)) > 1;

CREATE TABLE service_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description TEXT,
    created_by  TEXT,
    created_at  TEXT          -- NULL: created before 0006 with no audit trail
);
INSERT INTO service_new (id, name, description, created_by, created_at)
    SELECT s.id, coalesce(r.new_name, s.name), s.description, s.created_by,
           (SELECT max(a.timestamp) FROM audit_log a
             WHERE a.entity = 'Service' AND a.entity_id = s.id
               AND a.action = 'Service Created')
    FROM service s LEFT JOIN svc_rename r ON r.id = s.id;
INSERT INTO audit_log (action, entity, entity_id, timestamp, user_id, detail)
    SELECT 'Service Renamed', 'Service', id, strftime('%Y-%m-%dT%H:%M:%S', 'now'), 0,
           'duplicate name: was ''' || old_name || ''', now ''' || new_name || ''''
    FROM svc_rename;
DROP TABLE service;
ALTER TABLE service_new RENAME TO service;
CREATE UNIQUE INDEX service_name_unique ON service(trim(name) COLLATE NOCASE);
DROP TABLE svc_rename;
DROP TABLE svc_name;

-- user ----------------------------------------------------------------
-- Look-alike usernames from before (D9) are left as they are: renaming
-- an account would change its login. The signup refuses new ones.
CREATE TABLE user_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    username   TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 80),
    password   TEXT NOT NULL,                 -- argon2id (libsodium) string
    role       TEXT NOT NULL DEFAULT 'user',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
);
INSERT INTO user_new (id, username, password, role, created_at)
    SELECT id, username, password, role, created_at FROM user;
DROP TABLE user;
ALTER TABLE user_new RENAME TO user;

-- alert ---------------------------------------------------------------
CREATE TABLE alert_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id   INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    type         TEXT NOT NULL,
    message      TEXT NOT NULL,
    severity     TEXT NOT NULL,
    created_at   TEXT,
    acknowledged INTEGER NOT NULL DEFAULT 0,
    acknowledged_by TEXT,
    acknowledged_at TEXT,
    resolved_at  TEXT                          -- condition cleared or superseded
);
INSERT INTO alert_new (id, service_id, type, message, severity, created_at, acknowledged,
                       acknowledged_by, acknowledged_at, resolved_at)
    SELECT id, service_id, type, message, severity, created_at, acknowledged,
           acknowledged_by, acknowledged_at, resolved_at FROM alert;
DROP TABLE alert;
ALTER TABLE alert_new RENAME TO alert;
CREATE INDEX alert_created ON alert(created_at, id);
CREATE INDEX alert_open ON alert(service_id, type) WHERE acknowledged = 0 AND resolved_at IS NULL;
CREATE INDEX alert_unresolved ON alert(service_id, type) WHERE resolved_at IS NULL;

-- integration (its id is in the outbox key "integration-added-<id>") ----
CREATE TABLE integration_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    type       TEXT,
    config     TEXT,                          -- JSON object
    created_by TEXT,
    created_at TEXT
);
INSERT INTO integration_new (id, service_id, type, config, created_by, created_at)
    SELECT id, service_id, type, config, created_by, created_at FROM integration;
DROP TABLE integration;
ALTER TABLE integration_new RENAME TO integration;
CREATE INDEX integration_service ON integration(service_id);

-- sequences: above every id still visible anywhere ----------------------
INSERT INTO sqlite_sequence (name, seq)
    SELECT t.name, 0 FROM (SELECT 'service' AS name UNION ALL SELECT 'user'
                           UNION ALL SELECT 'alert' UNION ALL SELECT 'integration') t
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence q WHERE q.name = t.name);
UPDATE sqlite_sequence SET seq = max(seq,
        coalesce((SELECT max(entity_id) FROM audit_log
                   WHERE entity IN ('Service', 'Status', 'BIA', 'Downtime', 'Integration',
                                    'Risk')), 0),
        coalesce((SELECT max(service_id) FROM outbox), 0))
    WHERE name = 'service';
UPDATE sqlite_sequence SET seq = max(seq,
        coalesce((SELECT max(entity_id) FROM audit_log WHERE entity = 'User'), 0),
        coalesce((SELECT max(user_id) FROM audit_log), 0))
    WHERE name = 'user';
