-- 0003: system metrics retention and threshold alerts (issue 5, seed 004).
--
-- metric_sample keeps raw samples (resolution 0) and minute averages
-- (resolution 60, ts = the minute's start). Time-range reads, the rollup
-- and the pruning go through metric_sample_time; a minute average exists
-- once per (name, minute), so a rollup that runs twice changes nothing.
CREATE INDEX metric_sample_time ON metric_sample(resolution, ts);
CREATE UNIQUE INDEX metric_sample_minute ON metric_sample(name, ts) WHERE resolution = 60;

-- A threshold alert remembers the threshold it crossed and says why.
ALTER TABLE metric_alert ADD COLUMN threshold REAL;
ALTER TABLE metric_alert ADD COLUMN message TEXT;
CREATE INDEX metric_alert_ts ON metric_alert(ts, id);
CREATE INDEX metric_alert_open ON metric_alert(type) WHERE cleared_at IS NULL;

-- Global thresholds beyond seed 004's two (0 = off).
INSERT OR IGNORE INTO config (key, value) VALUES
    ('swap_threshold', '80'), ('disk_threshold', '90'), ('load_threshold', '0');
