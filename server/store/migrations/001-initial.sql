-- Runs, their steps, their events and the audit trail, as DESIGN.md "Storage" fixes them.
CREATE TABLE runs (
  id TEXT PRIMARY KEY,                -- ULID
  runbook TEXT NOT NULL,
  title TEXT NOT NULL,
  source_sha256 TEXT NOT NULL,        -- over the base file and any overlay
  effective TEXT NOT NULL,            -- the effective runbook as JSON (cells with provenance)
  datacentre TEXT NOT NULL,
  datacentre_dir TEXT NOT NULL,
  datacentre_snapshot TEXT NOT NULL,  -- the profile as JSON, secrets as { secret: NAME } references
  mode TEXT NOT NULL CHECK (mode IN ('live', 'dry-run')),
  status TEXT NOT NULL,
  parent TEXT REFERENCES runs(id),
  resumed_from TEXT,                  -- the cell a resume started at
  started_by TEXT NOT NULL,
  workdir TEXT NOT NULL,              -- the cells' working directory (a resume shares its parent's)
  owner TEXT,                         -- pid:starttime of the process executing it, while it does
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);
CREATE INDEX runs_by_runbook ON runs (runbook, datacentre, created_at);

CREATE TABLE steps (
  run TEXT NOT NULL REFERENCES runs(id),
  seq INTEGER NOT NULL,
  cell TEXT NOT NULL,
  driver TEXT NOT NULL,
  args TEXT,                          -- resolved arguments, secrets as references
  status TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0,
  started_at TEXT,
  finished_at TEXT,
  result TEXT,                        -- the driver's typed result as JSON
  error TEXT,                         -- { code, message } as JSON
  reused_from TEXT,                   -- run id whose result a resume reused
  approved_by TEXT,
  approval_note TEXT,
  pgid INTEGER,                       -- process group of the running attempt
  PRIMARY KEY (run, seq)
);

CREATE TABLE events (
  run TEXT NOT NULL REFERENCES runs(id),
  seq INTEGER NOT NULL,
  step INTEGER,
  ts TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('stdout', 'stderr', 'log', 'progress', 'status')),
  data TEXT NOT NULL,
  PRIMARY KEY (run, seq)
) WITHOUT ROWID;
CREATE INDEX events_by_step ON events (run, step, seq);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  ts TEXT NOT NULL,
  who TEXT NOT NULL,
  action TEXT NOT NULL,
  run TEXT,
  cell TEXT,
  detail TEXT
);
