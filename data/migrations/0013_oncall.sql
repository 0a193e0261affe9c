-- 0013: issue 11 items 5 and 6 (reminders, flapping, runbooks).
-- A service's runbook: an http(s) URL (validated by the domain, at most
-- 2048 characters), shown in the console and carried by every notification
-- about the service. NULL = none.
ALTER TABLE service ADD COLUMN runbook_url TEXT;
-- Reminders: when an alert was last notified (its raise, then each
-- reminder) and how many reminders it has had. NULL = never reminded: the
-- engine counts from created_at.
ALTER TABLE alert ADD COLUMN last_notified_at TEXT;
ALTER TABLE alert ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0;
-- Flapping: every change of a service's status (not heartbeats that keep
-- it), so "more than N changes in M minutes" is one indexed count. Old
-- rows of a service are pruned past a day (the longest window) as it changes.
CREATE TABLE status_change (
    id         INTEGER PRIMARY KEY,
    service_id INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    at         TEXT NOT NULL,
    status     TEXT NOT NULL
);
CREATE INDEX status_change_service ON status_change(service_id, at);
-- The engine looks for due reminders at every evaluation: only open,
-- unacknowledged Critical alerts are in this index.
CREATE INDEX alert_reminder ON alert(id)
    WHERE resolved_at IS NULL AND acknowledged = 0 AND severity = 'Critical';
