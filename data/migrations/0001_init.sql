-- 0001: the whole schema of seed 000 §4, plus what seeds 001, 003 and 004
-- need. Times are ISO 8601 UTC text ("2026-01-02T03:04:05") so that they
-- sort and read the same in sqlite3 and in the API.

-- seed 000 ------------------------------------------------------------
CREATE TABLE user (
    id         INTEGER PRIMARY KEY,
    username   TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 80),
    password   TEXT NOT NULL,                 -- argon2id (libsodium) string
    role       TEXT NOT NULL DEFAULT 'user',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%S', 'now'))
);

CREATE TABLE service (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description TEXT,
    created_by  TEXT
);

CREATE TABLE bia (
    id          INTEGER PRIMARY KEY,
    service_id  INTEGER NOT NULL UNIQUE REFERENCES service(id) ON DELETE CASCADE,
    criticality TEXT,
    impact      TEXT,
    rto         INTEGER,
    rpo         INTEGER,
    signed_off  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE status (
    id           INTEGER PRIMARY KEY,
    service_id   INTEGER NOT NULL UNIQUE REFERENCES service(id) ON DELETE CASCADE,
    status       TEXT,
    last_updated TEXT,                         -- last change or heartbeat
    last_heartbeat TEXT                        -- ours: last status report via the API
);

CREATE TABLE downtime (
    id         INTEGER PRIMARY KEY,
    service_id INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    start_time TEXT NOT NULL,
    end_time   TEXT,
    reason     TEXT
);
CREATE INDEX downtime_service ON downtime(service_id, start_time);
CREATE INDEX downtime_open ON downtime(service_id) WHERE end_time IS NULL;

CREATE TABLE integration (
    id         INTEGER PRIMARY KEY,
    service_id INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    type       TEXT,
    config     TEXT,                          -- JSON object
    created_by TEXT,
    created_at TEXT
);
CREATE INDEX integration_service ON integration(service_id);

-- History of risk scores (automated rows appended only on change, manual
-- rows on every POST/PUT); risk_current holds the newest automated value.
CREATE TABLE risk (
    id          INTEGER PRIMARY KEY,
    service_id  INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    risk_score  INTEGER NOT NULL,
    risk_level  TEXT NOT NULL,
    reason      TEXT,
    is_critical INTEGER NOT NULL DEFAULT 0,
    source      TEXT NOT NULL DEFAULT 'automated',
    created_by  TEXT,
    created_at  TEXT
);
CREATE INDEX risk_service ON risk(service_id, id);

CREATE TABLE risk_current (
    service_id  INTEGER PRIMARY KEY REFERENCES service(id) ON DELETE CASCADE,
    risk_score  INTEGER NOT NULL,
    risk_level  TEXT NOT NULL,
    reason      TEXT,
    is_critical INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL
);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    timestamp TEXT NOT NULL,
    user_id   INTEGER NOT NULL,                -- 0 = the engine (system)
    detail    TEXT                             -- ours: actor name / reason
);
CREATE INDEX audit_log_ts ON audit_log(timestamp, id);

CREATE TABLE alert (
    id           INTEGER PRIMARY KEY,
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
CREATE INDEX alert_created ON alert(created_at, id);
CREATE INDEX alert_open ON alert(service_id, type) WHERE acknowledged = 0 AND resolved_at IS NULL;

CREATE TABLE sla_breach (
    id                INTEGER PRIMARY KEY,
    service_id        INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    type              TEXT NOT NULL CHECK (type IN ('RTO', 'RPO')),
    downtime_minutes  INTEGER NOT NULL,
    threshold_minutes INTEGER NOT NULL,
    start_time        TEXT NOT NULL,
    end_time          TEXT,
    reason            TEXT,
    created_at        TEXT,
    UNIQUE (service_id, type, start_time)
);

CREATE TABLE service_dependencies (
    service_id    INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    dependency_id INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    PRIMARY KEY (service_id, dependency_id)
);
CREATE INDEX service_dependencies_rev ON service_dependencies(dependency_id);

-- ours: how the engine checks a service (none = heartbeat via the API)
CREATE TABLE probe (
    service_id    INTEGER PRIMARY KEY REFERENCES service(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('http', 'tcp', 'cmd')),
    target        TEXT NOT NULL,
    timeout_ms    INTEGER NOT NULL DEFAULT 0,
    expect_status INTEGER NOT NULL DEFAULT 0,
    fail_streak   INTEGER NOT NULL DEFAULT 0,   -- consecutive failures
    recent        INTEGER NOT NULL DEFAULT 0,   -- bit i = failure i probes ago
    last_latency_ms INTEGER,
    last_error    TEXT,
    last_checked  TEXT,
    playbook      TEXT                           -- seed 001: category to open an incident in
);

-- accounts (seed 004 sessions, revoked JWTs) ----------------------------
CREATE TABLE session (
    jti        TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE login_failure (
    username TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX login_failure_user ON login_failure(username, at);

-- seed 001: incidents and auto-resolution -------------------------------
CREATE TABLE incident (
    incident_id      TEXT PRIMARY KEY,
    title            TEXT NOT NULL,
    description      TEXT,
    category         TEXT NOT NULL CHECK (category IN ('network', 'database',
                     'application', 'security', 'infrastructure', 'user_access')),
    priority         TEXT NOT NULL DEFAULT 'medium',
    status           TEXT NOT NULL DEFAULT 'open',
    state            TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open',
                     'resolving', 'resolved', 'failed', 'skipped')),
    state_reason     TEXT,
    confidence_score REAL NOT NULL,
    created_by       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    resolved_at      TEXT,
    auto_resolved    INTEGER NOT NULL DEFAULT 0,
    tags             TEXT NOT NULL DEFAULT '[]',
    service_id       INTEGER REFERENCES service(id) ON DELETE SET NULL
);

CREATE TABLE resolution_config (            -- one row: the global config
    id                           INTEGER PRIMARY KEY CHECK (id = 1),
    global_enabled               INTEGER NOT NULL DEFAULT 1,
    default_confidence_threshold REAL NOT NULL DEFAULT 0.90,
    max_concurrent_resolutions   INTEGER NOT NULL DEFAULT 10,
    notification_recipients      TEXT NOT NULL DEFAULT '[]',
    kill_switch_actor            TEXT,
    kill_switch_reason           TEXT,
    kill_switch_at               TEXT
);
INSERT INTO resolution_config (id) VALUES (1);

CREATE TABLE category_config (
    category                TEXT PRIMARY KEY,
    auto_resolution_enabled INTEGER NOT NULL DEFAULT 1,
    confidence_threshold    REAL NOT NULL DEFAULT 0.90,
    max_retry_attempts      INTEGER NOT NULL DEFAULT 3,
    notification_required   INTEGER NOT NULL DEFAULT 1,
    playbook                TEXT                -- JSON array of steps
);

CREATE TABLE playbook_run (
    id            INTEGER PRIMARY KEY,
    incident_id   TEXT NOT NULL REFERENCES incident(incident_id) ON DELETE CASCADE,
    step_id       TEXT NOT NULL,
    description   TEXT,
    action        TEXT NOT NULL,
    attempt       INTEGER NOT NULL DEFAULT 1,
    executed_at   TEXT,
    success       INTEGER,
    error_message TEXT,
    output        TEXT
);
CREATE INDEX playbook_run_incident ON playbook_run(incident_id, id);

CREATE TABLE incident_audit (
    audit_id         TEXT PRIMARY KEY,
    incident_id      TEXT NOT NULL,
    action           TEXT NOT NULL,
    timestamp        TEXT NOT NULL,
    actor            TEXT NOT NULL DEFAULT 'system',
    confidence_score REAL,
    details          TEXT NOT NULL DEFAULT '{}',
    success          INTEGER,
    error_message    TEXT
);
CREATE INDEX incident_audit_incident ON incident_audit(incident_id, timestamp);
CREATE INDEX incident_audit_ts ON incident_audit(timestamp);

-- seed 003: security alerts ---------------------------------------------
CREATE TABLE sec_raw_alert (
    id          TEXT PRIMARY KEY,
    payload     TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE TABLE sec_normalized_alert (
    id         TEXT PRIMARY KEY,
    original   TEXT NOT NULL DEFAULT '{}',
    mappings   TEXT NOT NULL DEFAULT '[]',
    normalized TEXT NOT NULL DEFAULT '{}',
    severity   TEXT,
    ts         TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE sec_embedding (
    id         TEXT PRIMARY KEY,
    dimension  INTEGER NOT NULL,
    vector     BLOB NOT NULL,                  -- float32 little-endian
    created_at TEXT NOT NULL
);
CREATE TABLE sec_triage (
    id         TEXT PRIMARY KEY,
    s0         REAL NOT NULL,
    route      TEXT NOT NULL,
    s1         REAL,
    created_at TEXT NOT NULL
);
CREATE TABLE sec_ml_output (
    id         INTEGER PRIMARY KEY,
    alert_id   TEXT NOT NULL,
    kind       TEXT NOT NULL,                  -- agent | aggregate | llm
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX sec_ml_output_alert ON sec_ml_output(alert_id);
CREATE TABLE sec_verdict (
    id         INTEGER PRIMARY KEY,
    alert_id   TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE sec_response_action (
    id         INTEGER PRIMARY KEY,
    alert_id   TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE sec_task (
    id         INTEGER PRIMARY KEY,
    alert_id   TEXT,
    body       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL
);

-- seed 004: system metrics, thresholds, notifications --------------------
CREATE TABLE metric_sample (
    ts       TEXT NOT NULL,
    name     TEXT NOT NULL,                    -- cpu, memory, swap, load1, ...
    value    REAL NOT NULL,
    resolution INTEGER NOT NULL DEFAULT 0      -- 0 raw, 60 minute average
);
CREATE INDEX metric_sample_ts ON metric_sample(resolution, name, ts);

CREATE TABLE config (                          -- global key/value settings
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO config (key, value) VALUES ('cpu_threshold', '80'), ('memory_threshold', '75');

CREATE TABLE user_threshold (
    user_id          INTEGER PRIMARY KEY REFERENCES user(id) ON DELETE CASCADE,
    cpu_threshold    REAL,
    memory_threshold REAL
);

CREATE TABLE metric_alert (
    id    INTEGER PRIMARY KEY,
    type  TEXT NOT NULL,
    value REAL NOT NULL,
    ts    TEXT NOT NULL,
    cleared_at TEXT
);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    channel         TEXT NOT NULL,             -- webhook | slack | pagerduty | email | creator
    target          TEXT,                      -- URL / address, when per-row
    payload         TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    delivered_at    TEXT,
    dead_at         TEXT,
    last_error      TEXT
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE delivered_at IS NULL AND dead_at IS NULL;
