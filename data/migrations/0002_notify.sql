-- Notification delivery (issue 5, design rule 5).
-- order_key: rows with the same key are delivered one after another, in id
--   order (a PagerDuty "resolve" must never overtake its "trigger"); NULL
--   rows are independent.
-- service_id: the service a notification is about, so a notification that
--   dies can raise an alert on that service (no foreign key: the outbox
--   outlives a deleted service).
ALTER TABLE outbox ADD COLUMN order_key TEXT;
ALTER TABLE outbox ADD COLUMN service_id INTEGER;
CREATE INDEX outbox_order ON outbox(order_key, id)
    WHERE delivered_at IS NULL AND dead_at IS NULL AND order_key IS NOT NULL;
CREATE INDEX outbox_dead ON outbox(dead_at) WHERE dead_at IS NOT NULL;
