-- A line index over output events: `lines` is the number of '\n' in `data` for stdout, stderr and log events
-- (0 for progress and status), so a page of a step's output is found by a running sum over this column
-- instead of reading every event's text (GET /api/runs/:id/cells/:name/lines).
ALTER TABLE events ADD COLUMN lines INTEGER NOT NULL DEFAULT 0;

UPDATE events
SET lines = length(data) - length(replace(data, char(10), ''))
WHERE kind IN ('stdout', 'stderr', 'log');

-- Covers the running sum (run, step, seq, lines) without touching the rows; it also serves every query the
-- narrower events_by_step served, so that index goes.
CREATE INDEX events_lines ON events (run, step, seq, lines);
DROP INDEX events_by_step;
