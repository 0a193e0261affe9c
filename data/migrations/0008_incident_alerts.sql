-- 0008 (issue 9): alerts for incidents without a service, and playbooks
-- that only the host defines.
--
-- B2: a failed auto-resolution always raises a Critical alert for a human,
-- also when the incident names no service. alert.service_id becomes
-- nullable and alert.incident_id names the incident of such an alert
-- (SQLite cannot drop NOT NULL in place: the table is rebuilt, ids kept,
-- and its AUTOINCREMENT sequence from 0006 kept: ids are never reused).
-- store/db.c runs migrations with foreign_keys off, so no DROP cascades.
CREATE TEMP TABLE alert_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'alert';
CREATE TABLE alert_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id   INTEGER REFERENCES service(id) ON DELETE CASCADE,   -- NULL: incident-level
    type         TEXT NOT NULL,
    message      TEXT NOT NULL,
    severity     TEXT NOT NULL,
    created_at   TEXT,
    acknowledged INTEGER NOT NULL DEFAULT 0,
    acknowledged_by TEXT,
    acknowledged_at TEXT,
    resolved_at  TEXT,                         -- condition cleared or superseded
    incident_id  TEXT                          -- the incident an incident-level alert is about
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
CREATE INDEX alert_incident ON alert(incident_id, type) WHERE incident_id IS NOT NULL;
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'alert', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'alert');
UPDATE sqlite_sequence
   SET seq = max(seq, coalesce((SELECT max(seq) FROM alert_seq), 0),
                 coalesce((SELECT max(id) FROM alert), 0))
 WHERE name = 'alert';
DROP TABLE alert_seq;

-- B7: a run whose steps only record ends 'no_action' (nothing was done),
-- never 'resolved'. The state's CHECK gains that value: the table is
-- rebuilt (rowids kept: notifications use them; playbook_run's
-- REFERENCES incident names the table, so it holds for the new one).
CREATE TABLE incident_new (
    incident_id      TEXT PRIMARY KEY,
    title            TEXT NOT NULL,
    description      TEXT,
    category         TEXT NOT NULL CHECK (category IN ('network', 'database',
                     'application', 'security', 'infrastructure', 'user_access')),
    priority         TEXT NOT NULL DEFAULT 'medium',
    status           TEXT NOT NULL DEFAULT 'open',
    state            TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open',
                     'resolving', 'resolved', 'failed', 'skipped', 'no_action')),
    state_reason     TEXT,
    confidence_score REAL NOT NULL,
    created_by       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    resolved_at      TEXT,
    auto_resolved    INTEGER NOT NULL DEFAULT 0,
    tags             TEXT NOT NULL DEFAULT '[]',
    service_id       INTEGER REFERENCES service(id) ON DELETE SET NULL,
    queued_at        TEXT,
    started_at       TEXT,
    run              INTEGER NOT NULL DEFAULT 0,
    steps_total      INTEGER NOT NULL DEFAULT 0,
    steps_done       INTEGER NOT NULL DEFAULT 0,
    forced           INTEGER NOT NULL DEFAULT 0,
    requested_by     TEXT
);
INSERT INTO incident_new (rowid, incident_id, title, description, category, priority, status,
                          state, state_reason, confidence_score, created_by, created_at,
                          updated_at, resolved_at, auto_resolved, tags, service_id, queued_at,
                          started_at, run, steps_total, steps_done, forced, requested_by)
    SELECT rowid, incident_id, title, description, category, priority, status, state,
           state_reason, confidence_score, created_by, created_at, updated_at, resolved_at,
           auto_resolved, tags, service_id, queued_at, started_at, run, steps_total,
           steps_done, forced, requested_by FROM incident;
DROP TABLE incident;
ALTER TABLE incident_new RENAME TO incident;
CREATE INDEX incident_queue ON incident(queued_at) WHERE queued_at IS NOT NULL;
CREATE INDEX incident_state ON incident(state);
CREATE INDEX incident_service ON incident(service_id, created_at) WHERE service_id IS NOT NULL;

-- D4: commands and URLs come only from the playbook file on the host. A
-- stored playbook with a command or http step came through the API (or
-- from an earlier start's copy of the file): it is dropped, so the
-- category falls back to the file's playbook, else the seed's defaults.
UPDATE category_config SET playbook = NULL
 WHERE playbook IS NOT NULL
   AND (json_valid(playbook) = 0 OR EXISTS (
        SELECT 1 FROM json_each(playbook)
         WHERE json_extract(value, '$.type') NOT IN ('action', 'set_status', 'ack_alerts', 'noop')
            OR json_type(value, '$.argv') IS NOT NULL OR json_type(value, '$.url') IS NOT NULL));
