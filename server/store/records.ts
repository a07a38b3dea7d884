import type { Runbook } from '../runbook/types.ts';

export const RUN_STATUSES = [
  'pending',
  'running',
  'awaiting-approval',
  'succeeded',
  'failed',
  'cancelled',
  'interrupted',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const STEP_STATUSES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
  'interrupted',
  'awaiting-approval',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export type RunMode = 'live' | 'dry-run';
export type EventKind = 'stdout' | 'stderr' | 'log' | 'progress' | 'status';

export interface RunRecord {
  id: string;
  runbook: string;
  title: string;
  sourceSha256: string;
  effective: Runbook;
  datacentre: string;
  datacentreDir: string;
  /** The profile as it was when the run was created; secrets are `{ secret: NAME }` references. */
  datacentreSnapshot: unknown;
  mode: RunMode;
  status: RunStatus;
  parent: string | null;
  resumedFrom: string | null;
  startedBy: string;
  workdir: string;
  owner: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface StepError {
  code: string;
  message: string;
}

export interface StepRecord {
  run: string;
  seq: number;
  cell: string;
  driver: string;
  args: unknown;
  status: StepStatus;
  attempt: number;
  startedAt: string | null;
  finishedAt: string | null;
  result: unknown;
  error: StepError | null;
  reusedFrom: string | null;
  approvedBy: string | null;
  approvalNote: string | null;
  pgid: number | null;
}

export interface EventRecord {
  run: string;
  seq: number;
  step: number | null;
  ts: string;
  kind: EventKind;
  /** Output text for stdout/stderr/log; JSON text for progress and status. */
  data: string;
  /** The number of `\n` in `data` for stdout/stderr/log, 0 otherwise: the store's line index. */
  lines: number;
}

export interface AuditRecord {
  id: number;
  ts: string;
  who: string;
  action: string;
  run: string | null;
  cell: string | null;
  detail: unknown;
}

export function isTerminalStep(status: StepStatus): boolean {
  return !['pending', 'running', 'awaiting-approval'].includes(status);
}
