-- Issue 11 (item 3): an acknowledgement has an owner (acknowledged_by, since
-- 0001), an optional note and an optional expiry. ack_expires_at uses the
-- same time format as acknowledged_at; when it passes while the alert is
-- still unresolved, the engine reopens the alert (domain/alerts.c).
ALTER TABLE alert ADD COLUMN ack_note TEXT;
ALTER TABLE alert ADD COLUMN ack_expires_at TEXT;
-- The engine looks for expired acks at every evaluation: only rows with an
-- expiry on an unresolved alert are in this index, so that look is cheap.
CREATE INDEX alert_ack_expiry ON alert(ack_expires_at)
    WHERE ack_expires_at IS NOT NULL AND resolved_at IS NULL;
