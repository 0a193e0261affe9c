-- Issue 9 (item 5): the console's snapshot, the Incidents pane and GET
-- /api/v1/incidents list incidents newest first (ORDER BY created_at DESC,
-- rowid DESC LIMIT n). Without an index each of them scanned and sorted
-- the whole table: at 130,000 incidents three such queries took 450 ms of
-- CPU on every snapshot (once a second while the API writes), and held a
-- read transaction that long, so the WAL could not be checkpointed.
CREATE INDEX incident_created ON incident(created_at);
