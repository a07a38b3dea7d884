-- Leases: which run and cell act on a resource (a machine) right now, across every stackbook process.
CREATE TABLE leases (
  key TEXT PRIMARY KEY,               -- e.g. machine:node-1
  run TEXT NOT NULL,
  cell TEXT NOT NULL,
  owner TEXT NOT NULL,                -- pid:starttime of the holding process
  acquired_at TEXT NOT NULL
);
