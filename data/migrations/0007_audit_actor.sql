-- 0007: the audit log names who acted (issue 9, newcomer review B4).
-- actor: the authenticated user's name (API), the login name (console)
-- or 'system' (the engine, the runner, the collector); user_id stays as
-- seed 000 has it. alert_id: the alert's own id on "Alert ..." rows,
-- whose entity_id is the alert's service (seed 000 §2.6).
ALTER TABLE audit_log ADD COLUMN actor TEXT;
ALTER TABLE audit_log ADD COLUMN alert_id INTEGER;

-- Rows written before this migration: the user's name where the id names
-- one, else 'system' (console rows of old carried the name only in the
-- detail, "... by <name>"; that text is left as it is).
UPDATE audit_log SET actor = coalesce(
    (SELECT username FROM user WHERE user.id = audit_log.user_id),
    CASE WHEN user_id = 0 THEN 'system' ELSE '#' || user_id END);
-- Acknowledgements wrote "alert <id> acknowledged by <name>".
UPDATE audit_log SET alert_id = CAST(substr(detail, 7) AS INTEGER)
    WHERE entity = 'Alert' AND detail LIKE 'alert %';
UPDATE audit_log SET alert_id = (
    SELECT a.id FROM alert a WHERE a.service_id = audit_log.entity_id
       AND 'Alert Created (' || a.type || ')' = audit_log.action
       AND a.created_at = audit_log.timestamp ORDER BY a.id LIMIT 1)
    WHERE entity = 'Alert' AND alert_id IS NULL AND action LIKE 'Alert Created (%';
