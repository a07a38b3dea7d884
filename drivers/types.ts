import type { ZodType } from 'zod';
import type { Datacentre } from '../server/runbook/datacentre-schema.ts';
import type { Exec } from './exec.ts';

/** One command or request a driver would issue, with secrets masked; recorded by dry-runs. */
export interface PlannedAction {
  kind: 'exec' | 'http' | 'approval' | 'note';
  /** One readable line, e.g. `ipmitool -I lanplus -H 127.0.0.1 … power on`. */
  summary: string;
  command?: string[];
  method?: string;
  url?: string;
}

/** Where one machine of a fan-out cell stands, shown in the notebook's per-machine grid. */
export interface MachineProgress {
  /** A word: `queued`, `running`, `succeeded`, `failed`. */
  state: string;
  /** The last thing it did, e.g. `power on`. */
  message?: string;
  error?: string;
}

export interface Progress {
  done: number;
  total: number;
  unit?: string;
  label?: string;
  /** Fan-out cells: the machines whose state changed, by name. */
  machines?: Record<string, MachineProgress>;
}

export interface Approval {
  by: string;
  note: string;
  at: string;
}

/** What the engine hands a driver for one attempt of one cell. */
export interface DriverContext {
  runId: string;
  cellName: string;
  /** The run's working directory, shared by its cells. */
  workdir: string;
  /**
   * State of the datacentre that outlives runs, such as a PXE service's files and pids:
   * `<data>/sites/<datacentre>`, made by the driver that needs it.
   */
  siteDir: string;
  /** The run's datacentre as recorded (secrets as `{ secret: NAME }` references), with its name. */
  datacentre: Datacentre;
  /** Aborted on cancel or timeout. */
  signal: AbortSignal;
  /** Output lines or free log text; scrubbed of secrets and batched by the engine. */
  log(stream: 'stdout' | 'stderr' | 'log', text: string): void | Promise<void>;
  progress(progress: Progress): void;
  /** The only way a driver starts a process. */
  exec: Exec;
  /** A secret's value by name; never store or log it. */
  secret(name: string): string;
  /** Waits for an operator's approval of this step (manual cells). */
  requestApproval(prompt: string): Promise<Approval>;
}

/** A driver in Ironic's model: parse (zod) → validate → plan → run. */
export interface Driver<Args = unknown, Result = unknown> {
  /** The fence word, e.g. `ipmi`. */
  name: string;
  /** Other fence words for the same driver, e.g. `bash` for `sh`. */
  aliases?: string[];
  summary: string;
  /** `script`: the body is a shell script; `yaml`: the body is YAML arguments. */
  body: 'script' | 'yaml';
  args: ZodType<Args>;
  result: ZodType<Result>;
  /**
   * The resources a cell with these arguments acts on (`machine:<name>`): leased for the step, so no two
   * runs touch the same machine at once.
   */
  leases?(args: Args): string[];
  /** Cheap preflight: tools present, values consistent; no side effects. */
  validate?(args: Args, ctx: DriverContext): Promise<void>;
  plan(args: Args, ctx: DriverContext): PlannedAction[];
  run(args: Args, ctx: DriverContext): Promise<Result>;
}

// A registry holds drivers of differing argument types; their args are parsed before use.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDriver = Driver<any, any>;
