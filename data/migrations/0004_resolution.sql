-- 0004: seed 001 auto-resolution (issue 6): the runner's queue and runs,
-- the per-category kill switch, the loop guard for incidents the engine
-- opens when a probed service goes Down.

-- An incident waits for a runner slot while queued_at is set (state
-- 'open'); each run of its playbook has a number (playbook_run.run).
ALTER TABLE incident ADD COLUMN queued_at TEXT;
ALTER TABLE incident ADD COLUMN started_at TEXT;
ALTER TABLE incident ADD COLUMN run INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incident ADD COLUMN steps_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incident ADD COLUMN steps_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incident ADD COLUMN forced INTEGER NOT NULL DEFAULT 0;   -- run by hand: threshold waived
ALTER TABLE incident ADD COLUMN requested_by TEXT;                   -- who asked for the last run
CREATE INDEX incident_queue ON incident(queued_at) WHERE queued_at IS NOT NULL;
CREATE INDEX incident_state ON incident(state);
CREATE INDEX incident_service ON incident(service_id, created_at) WHERE service_id IS NOT NULL;

ALTER TABLE playbook_run ADD COLUMN run INTEGER NOT NULL DEFAULT 1;
ALTER TABLE playbook_run ADD COLUMN step_index INTEGER NOT NULL DEFAULT 0;
ALTER TABLE playbook_run ADD COLUMN duration_ms INTEGER;
CREATE INDEX playbook_run_run ON playbook_run(incident_id, run, id);

-- Global settings beyond the seed's: the loop guard, and when the row was
-- last changed through the API or the console (NULL = never: the config
-- file's resolve.* values apply at start).
ALTER TABLE resolution_config ADD COLUMN max_incidents_per_service_hour INTEGER NOT NULL DEFAULT 3;
ALTER TABLE resolution_config ADD COLUMN updated_at TEXT;
ALTER TABLE resolution_config ADD COLUMN updated_by TEXT;

-- Per-category kill switch: auto_resolution_enabled = 0 plus who and why.
ALTER TABLE category_config ADD COLUMN kill_switch_actor TEXT;
ALTER TABLE category_config ADD COLUMN kill_switch_reason TEXT;
ALTER TABLE category_config ADD COLUMN kill_switch_at TEXT;

-- Confidence of the incidents the engine opens when this probe's service
-- goes Down (probe.playbook names the category); NULL = 0.95.
ALTER TABLE probe ADD COLUMN playbook_confidence REAL;
