-- 0008 (issue 9): alerts for incidents without a service, and playbooks
-- that only the host defines.
--
-- B2: a failed auto-resolution always raises a Critical alert for a human,
-- also when the incident names no service. alert.service_id becomes
-- nullable and alert.incident_id names the incident of such an alert
-- (SQLite cannot drop NOT NULL in place: the table is rebuilt, ids kept).
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
