import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Database, type Row, type SqlValue } from './database.ts';
import { migrate } from './migrate.ts';
import type { AuditRecord, EventRecord, RunRecord, RunStatus, StepRecord, StepStatus } from './records.ts';

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const parse = (value: SqlValue | undefined): unknown =>
  value === null || value === undefined ? null : JSON.parse(String(value));
const str = (value: SqlValue | undefined): string | null =>
  value === null || value === undefined ? null : String(value);

function toRun(row: Row): RunRecord {
  return {
    id: String(row.id),
    runbook: String(row.runbook),
    title: String(row.title),
    sourceSha256: String(row.source_sha256),
    effective: parse(row.effective) as RunRecord['effective'],
    datacentre: String(row.datacentre),
    datacentreDir: String(row.datacentre_dir),
    datacentreSnapshot: parse(row.datacentre_snapshot),
    mode: row.mode as RunRecord['mode'],
    status: row.status as RunStatus,
    parent: str(row.parent),
    resumedFrom: str(row.resumed_from),
    startedBy: String(row.started_by),
    workdir: String(row.workdir),
    owner: str(row.owner),
    createdAt: String(row.created_at),
    startedAt: str(row.started_at),
    finishedAt: str(row.finished_at),
  };
}

function toStep(row: Row): StepRecord {
  return {
    run: String(row.run),
    seq: Number(row.seq),
    cell: String(row.cell),
    driver: String(row.driver),
    args: parse(row.args),
    status: row.status as StepStatus,
    attempt: Number(row.attempt),
    startedAt: str(row.started_at),
    finishedAt: str(row.finished_at),
    result: parse(row.result),
    error: parse(row.error) as StepRecord['error'],
    reusedFrom: str(row.reused_from),
    approvedBy: str(row.approved_by),
    approvalNote: str(row.approval_note),
    pgid: row.pgid === null || row.pgid === undefined ? null : Number(row.pgid),
  };
}

function toEvent(row: Row): EventRecord {
  return {
    run: String(row.run),
    seq: Number(row.seq),
    step: row.step === null ? null : Number(row.step),
    ts: String(row.ts),
    kind: row.kind as EventRecord['kind'],
    data: String(row.data),
    lines: Number(row.lines ?? 0),
  };
}

const RUN_COLUMNS: Record<keyof RunRecord, string> = {
  id: 'id',
  runbook: 'runbook',
  title: 'title',
  sourceSha256: 'source_sha256',
  effective: 'effective',
  datacentre: 'datacentre',
  datacentreDir: 'datacentre_dir',
  datacentreSnapshot: 'datacentre_snapshot',
  mode: 'mode',
  status: 'status',
  parent: 'parent',
  resumedFrom: 'resumed_from',
  startedBy: 'started_by',
  workdir: 'workdir',
  owner: 'owner',
  createdAt: 'created_at',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
};
const STEP_COLUMNS: Record<keyof StepRecord, string> = {
  run: 'run',
  seq: 'seq',
  cell: 'cell',
  driver: 'driver',
  args: 'args',
  status: 'status',
  attempt: 'attempt',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  result: 'result',
  error: 'error',
  reusedFrom: 'reused_from',
  approvedBy: 'approved_by',
  approvalNote: 'approval_note',
  pgid: 'pgid',
};
const JSON_FIELDS = new Set(['effective', 'datacentreSnapshot', 'args', 'result', 'error']);

function assignments<T extends object>(
  columns: Record<keyof T, string>,
  changes: Partial<T>,
): { sql: string; values: SqlValue[] } {
  const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
  return {
    sql: entries.map(([key]) => `${columns[key as keyof T]} = ?`).join(', '),
    values: entries.map(([key, value]) => (JSON_FIELDS.has(key) ? json(value) : (value as SqlValue))),
  };
}

/** The SQLite record of runs, steps, events and audit (WAL; one connection per process). */
export class Store {
  private constructor(
    readonly db: Database,
    readonly file: string,
  ) {}

  static async open(file: string): Promise<Store> {
    if (file !== ':memory:') await mkdir(path.dirname(file), { recursive: true });
    const db = await Database.open(file);
    // The busy timeout first: switching to WAL needs a lock another process opening the store may hold.
    await db.exec('PRAGMA busy_timeout = 10000');
    await db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
    await migrate(db);
    return new Store(db, file);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  async insertRun(run: RunRecord): Promise<void> {
    const keys = Object.keys(RUN_COLUMNS) as (keyof RunRecord)[];
    const { values } = assignments(RUN_COLUMNS, run);
    await this.db.run(
      `INSERT INTO runs (${keys.map((key) => RUN_COLUMNS[key]).join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`,
      values,
    );
  }

  async updateRun(id: string, changes: Partial<RunRecord>): Promise<void> {
    const { sql, values } = assignments(RUN_COLUMNS, changes);
    if (sql) await this.db.run(`UPDATE runs SET ${sql} WHERE id = ?`, [...values, id]);
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = await this.db.get('SELECT * FROM runs WHERE id = ?', [id]);
    return row && toRun(row);
  }

  /** Runs newest first, optionally filtered. */
  async listRuns(filter: { runbook?: string; datacentre?: string; status?: RunStatus; limit?: number } = {}) {
    const where: string[] = [];
    const values: SqlValue[] = [];
    for (const key of ['runbook', 'datacentre', 'status'] as const) {
      if (filter[key]) {
        where.push(`${key} = ?`);
        values.push(filter[key]);
      }
    }
    const rows = await this.db.all(
      `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      [...values, filter.limit ?? 1000],
    );
    return rows.map(toRun);
  }

  /** Resolves a full run id, or a unique prefix of one (as `git` does with hashes). */
  async findRunId(prefix: string): Promise<string[]> {
    const rows = await this.db.all<{ id: string }>('SELECT id FROM runs WHERE id LIKE ? LIMIT 2', [
      `${prefix.toUpperCase().replace(/[%_]/g, '')}%`,
    ]);
    return rows.map((row) => row.id);
  }

  async insertStep(step: StepRecord): Promise<void> {
    const keys = Object.keys(STEP_COLUMNS) as (keyof StepRecord)[];
    const { values } = assignments(STEP_COLUMNS, step);
    await this.db.run(
      `INSERT INTO steps (${keys.map((key) => STEP_COLUMNS[key]).join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`,
      values,
    );
  }

  async updateStep(run: string, seq: number, changes: Partial<StepRecord>): Promise<void> {
    const { sql, values } = assignments(STEP_COLUMNS, changes);
    if (sql) await this.db.run(`UPDATE steps SET ${sql} WHERE run = ? AND seq = ?`, [...values, run, seq]);
  }

  async listSteps(run: string): Promise<StepRecord[]> {
    return (await this.db.all('SELECT * FROM steps WHERE run = ? ORDER BY seq', [run])).map(toStep);
  }

  async appendEvents(events: readonly EventRecord[]): Promise<void> {
    await this.db.insertMany(
      'INSERT INTO events (run, seq, step, ts, kind, data, lines) VALUES (?, ?, ?, ?, ?, ?, ?)',
      events.map((event) => [
        event.run,
        event.seq,
        event.step,
        event.ts,
        event.kind,
        event.data,
        event.lines,
      ]),
    );
  }

  async listEvents(run: string, after = 0, limit = 10_000): Promise<EventRecord[]> {
    const rows = await this.db.all(
      'SELECT run, seq, step, ts, kind, data, lines FROM events WHERE run = ? AND seq > ? ORDER BY seq LIMIT ?',
      [run, after, limit],
    );
    return rows.map(toEvent);
  }

  /** A step's events in order, a page at a time; with `kinds`, only events of those kinds. */
  async listStepEvents(
    run: string,
    step: number,
    after = 0,
    limit = 1000,
    kinds?: readonly EventRecord['kind'][],
  ): Promise<EventRecord[]> {
    const only = kinds ? ` AND kind IN (${kinds.map(() => '?').join(', ')})` : '';
    const rows = await this.db.all(
      `SELECT run, seq, step, ts, kind, data, lines FROM events WHERE run = ? AND step = ? AND seq > ?${only} ORDER BY seq LIMIT ?`,
      [run, step, after, ...(kinds ?? []), limit],
    );
    return rows.map(toEvent);
  }

  async maxEventSeq(run: string): Promise<number> {
    const row = await this.db.get<{ n: number | null }>('SELECT MAX(seq) AS n FROM events WHERE run = ?', [
      run,
    ]);
    return row?.n ?? 0;
  }

  async audit(entry: Omit<AuditRecord, 'id'>): Promise<void> {
    await this.db.run('INSERT INTO audit (ts, who, action, run, cell, detail) VALUES (?, ?, ?, ?, ?, ?)', [
      entry.ts,
      entry.who,
      entry.action,
      entry.run,
      entry.cell,
      json(entry.detail),
    ]);
  }

  async listAudit(run?: string): Promise<AuditRecord[]> {
    const rows = await this.db.all(
      `SELECT * FROM audit ${run ? 'WHERE run = ?' : ''} ORDER BY id`,
      run ? [run] : [],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      ts: String(row.ts),
      who: String(row.who),
      action: String(row.action),
      run: str(row.run),
      cell: str(row.cell),
      detail: parse(row.detail),
    }));
  }
}
