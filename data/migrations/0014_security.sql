-- 0014: seed 003 security alerts (issue 12). The placeholder sec_* tables
-- of 0001 were never written by any code: they are replaced by this schema.
DROP TABLE IF EXISTS sec_raw_alert;
DROP TABLE IF EXISTS sec_normalized_alert;
DROP TABLE IF EXISTS sec_embedding;
DROP TABLE IF EXISTS sec_triage;
DROP TABLE IF EXISTS sec_ml_output;
DROP TABLE IF EXISTS sec_verdict;
DROP TABLE IF EXISTS sec_response_action;
DROP TABLE IF EXISTS sec_task;

-- One security alert, from its raw bytes to its triage. seq is the arrival
-- order and the vector index's label; id is the seed's string id.
CREATE TABLE sec_alert (
    seq           INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    source        TEXT NOT NULL,        -- raw | alertmanager | wazuh | syslog | generic | upload
    content_type  TEXT NOT NULL DEFAULT 'application/json',
    raw           BLOB NOT NULL,        -- exactly the payload received
    received_at   TEXT NOT NULL,
    stage         TEXT NOT NULL DEFAULT 'received'
                  CHECK (stage IN ('received', 'normalized', 'triaged', 'failed')),
    error         TEXT,                 -- why normalization failed (stage failed)
    fingerprint   TEXT,                 -- Alertmanager's fingerprint
    closed_at     TEXT,                 -- its source said resolved
    -- the seed's Normalized object, and the columns lists sort and filter on
    original      TEXT,
    mappings      TEXT,
    normalized    TEXT,
    normalized_at TEXT,
    severity      TEXT,
    severity_id   INTEGER,              -- OCSF: 0 Unknown .. 5 Critical, 6 Fatal
    title         TEXT,
    event_at      TEXT,
    -- triage S0 and routing
    s0            INTEGER,
    route         TEXT,
    s1            INTEGER,
    reason        TEXT,                 -- JSON: the decision's reason
    triaged_at    TEXT,
    group_of      INTEGER REFERENCES sec_alert(seq) ON DELETE SET NULL,
    group_count   INTEGER NOT NULL DEFAULT 0,
    incident_id   TEXT,                 -- the seed 001 incident its escalation opened
    export_ready_at TEXT
);
CREATE INDEX sec_alert_pending ON sec_alert(seq) WHERE stage = 'received';
CREATE INDEX sec_alert_fingerprint ON sec_alert(fingerprint) WHERE fingerprint IS NOT NULL;
CREATE INDEX sec_alert_group ON sec_alert(group_of) WHERE group_of IS NOT NULL;

-- One vector per alert: dimension float32 values, little-endian.
CREATE TABLE sec_embedding (
    alert_seq  INTEGER PRIMARY KEY REFERENCES sec_alert(seq) ON DELETE CASCADE,
    dimension  INTEGER NOT NULL,
    vector     BLOB NOT NULL,
    encoder    TEXT NOT NULL,           -- 'builtin-hash-v1' or the caller's meta.encoder
    meta       TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE sec_verdict (
    id             INTEGER PRIMARY KEY,
    alert_seq      INTEGER NOT NULL REFERENCES sec_alert(seq) ON DELETE CASCADE,
    classification TEXT NOT NULL CHECK (classification IN ('TP', 'FP', 'ESCALATE')),
    confidence     REAL NOT NULL,
    notes          TEXT,
    actor          TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX sec_verdict_alert ON sec_verdict(alert_seq, id);

-- ML agent outputs, aggregate scores and LLM results.
CREATE TABLE sec_ml_output (
    id         INTEGER PRIMARY KEY,
    alert_seq  INTEGER NOT NULL REFERENCES sec_alert(seq) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('agent', 'aggregate', 'llm')),
    agent      TEXT,
    score      REAL,
    body       TEXT NOT NULL,           -- the request's JSON
    actor      TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX sec_ml_output_alert ON sec_ml_output(alert_seq, id);

-- Response actions run (or refused) and results reported from outside.
CREATE TABLE sec_response (
    id          INTEGER PRIMARY KEY,
    alert_seq   INTEGER NOT NULL REFERENCES sec_alert(seq) ON DELETE CASCADE,
    action      TEXT NOT NULL,          -- the action name, or NULL-like 'result' for a report
    target      TEXT NOT NULL DEFAULT '{}',
    parameters  TEXT,
    state       TEXT NOT NULL
                CHECK (state IN ('queued', 'running', 'success', 'failed', 'refused', 'reported')),
    incident_id TEXT,                   -- the resolution run carrying it
    details     TEXT,                   -- JSON
    actor       TEXT,
    created_at  TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX sec_response_alert ON sec_response(alert_seq, id);

CREATE TABLE sec_task (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    assignee   TEXT,
    state      TEXT NOT NULL DEFAULT 'open'
               CHECK (state IN ('open', 'in_progress', 'done', 'cancelled')),
    alert_id   TEXT,                    -- the security alert it is about, if any
    meta       TEXT,                    -- JSON object
    created_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX sec_task_assignee ON sec_task(assignee, state);

-- Machine tokens for collectors (Alertmanager, rsyslog, scripts): shown
-- once, stored as a SHA-256 of the secret, scoped, revocable.
CREATE TABLE api_token (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    scope        TEXT NOT NULL CHECK (scope IN ('ingest', 'read', 'write')),
    hash         BLOB NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,         -- the first characters, to recognise it
    created_by   TEXT,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
