-- 0005: alerts are deduplicated by (service, type) while unresolved, acked
-- or not (acknowledging silences an alert until its condition clears).
CREATE INDEX alert_unresolved ON alert(service_id, type) WHERE resolved_at IS NULL;
