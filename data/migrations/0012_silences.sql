-- Issue 11 (item 4): silences and maintenance windows. A silence matches
-- alerts by service, type, severity and/or category (at least one); it is
-- one-off (starts_at .. ends_at) or recurring (an iCalendar RRULE expanded
-- by libical from starts_at, each window duration_minutes long, in
-- timezone or UTC). DELETE sets expired_at/expired_by. Times are ISO 8601
-- UTC text like everywhere else.
CREATE TABLE silence (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    service_id       INTEGER REFERENCES service(id) ON DELETE CASCADE,
    type             TEXT,
    severity         TEXT,
    category         TEXT,
    starts_at        TEXT NOT NULL,
    ends_at          TEXT,
    rrule            TEXT,
    duration_minutes INTEGER,
    timezone         TEXT,
    comment          TEXT NOT NULL DEFAULT '',
    created_by       TEXT NOT NULL,
    created_by_id    INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    expired_at       TEXT,
    expired_by       TEXT,
    CHECK (service_id IS NOT NULL OR type IS NOT NULL OR severity IS NOT NULL
           OR category IS NOT NULL),
    CHECK ((rrule IS NULL) = (duration_minutes IS NULL)),
    CHECK (rrule IS NOT NULL OR ends_at IS NOT NULL)
);

-- A notification kept back by a silence (at fan-out): released once the
-- silence is no longer active, with what became of it (notified: the
-- condition was still open and was notified then; cleared: it resolved or
-- was acknowledged meanwhile).
CREATE TABLE silence_suppressed (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    silence_id    INTEGER NOT NULL REFERENCES silence(id) ON DELETE CASCADE,
    outbox_id     INTEGER NOT NULL,
    alert_id      INTEGER NOT NULL,
    event         TEXT NOT NULL,
    suppressed_at TEXT NOT NULL,
    released_at   TEXT,
    outcome       TEXT CHECK (outcome IN ('notified', 'cleared'))
);
CREATE INDEX silence_suppressed_open ON silence_suppressed(silence_id)
    WHERE released_at IS NULL;

-- Which open alert an active silence matches now, kept by the domain at
-- each evaluation and at every silence write (GET /api/alerts silenced_by).
CREATE TABLE alert_silence (
    alert_id   INTEGER PRIMARY KEY,
    silence_id INTEGER NOT NULL
);
