-- Issue 11 (items 1 and 2): an alert's kind and its folded notification.
--
-- kind is derived from the type in ONE place, here: seed 000's Critical
-- and HighRisk alerts are classifications (a property of a service, from
-- its BIA and risk score); every other type is a condition (something
-- happening: StatusChange, SLA_RTO/SLA_RPO, thresholds, resolution
-- failures, NotificationDead, ...). A generated column needs no backfill
-- and cannot disagree with the type, whoever inserts the row.
ALTER TABLE alert ADD COLUMN kind TEXT GENERATED ALWAYS AS
    (CASE WHEN type IN ('Critical', 'HighRisk') THEN 'classification' ELSE 'condition' END)
    VIRTUAL;
-- The service under which this alert's "raised" notification was folded
-- (root cause first, domain/rootcause.c); NULL when it was paged or not
-- fanned out yet. Its "resolved" notification is folded the same way.
ALTER TABLE alert ADD COLUMN folded_under INTEGER;
