import type { EventView, RunView, StepView } from '../api/api-types.ts';

/** Statuses of a step that has not ended. */
const ACTIVE: ReadonlySet<string> = new Set(['running', 'awaiting-approval']);

/** What a cell card shows about the cell's latest step. */
export interface CellState {
  status: string;
  attempt: number;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  result: unknown;
  approvedBy: string | null;
  approvalNote: string | null;
  /** Why it waits, when it waits for approval. */
  prompt: string | null;
  progress: { done: number; total: number; unit?: string; label?: string } | null;
  /** Per-machine state from fan-out drivers' progress events. */
  machines: Record<string, { state: string; message?: string; error?: string }>;
  reusedFrom: string | null;
}

export function emptyCellState(): CellState {
  return {
    status: 'not run',
    attempt: 0,
    startedAt: null,
    finishedAt: null,
    error: null,
    result: null,
    approvedBy: null,
    approvalNote: null,
    prompt: null,
    progress: null,
    machines: {},
    reusedFrom: null,
  };
}

/**
 * The grid of a fan-out step that has ended, from its result (`machines: [{ name, ok, error? }]`), so a
 * recorded run shows it as the live one did.
 */
export function machinesFromResult(result: unknown): CellState['machines'] {
  const list = (result as { machines?: unknown } | null)?.machines;
  if (!Array.isArray(list)) return {};
  const machines: CellState['machines'] = {};
  for (const item of list as {
    name?: unknown;
    ok?: unknown;
    error?: { kind?: string; message?: string };
  }[]) {
    if (typeof item?.name !== 'string' || typeof item.ok !== 'boolean') continue;
    machines[item.name] = item.ok
      ? { state: 'succeeded' }
      : { state: 'failed', error: [item.error?.kind, item.error?.message].filter(Boolean).join(': ') };
  }
  return machines;
}

function fromStep(step: StepView): CellState {
  return {
    ...emptyCellState(),
    machines: machinesFromResult(step.result),
    status: step.status,
    attempt: step.attempt,
    startedAt: step.started_at,
    finishedAt: step.finished_at,
    error: step.error,
    result: step.result,
    approvedBy: step.approved_by,
    approvalNote: step.approval_note,
    reusedFrom: step.reused_from,
  };
}

/**
 * A run as the notebook shows it: each cell's latest step and the run's status, kept current by applying
 * the run's events as they stream. Pure data: no DOM, so it is tested on its own.
 */
export class NotebookState {
  runStatus = 'none';
  readonly cells = new Map<string, CellState>();

  /** Starts from a run's recorded steps. */
  load(run: RunView): void {
    this.runStatus = run.status;
    this.cells.clear();
    for (const step of run.steps) this.cells.set(step.cell, fromStep(step));
  }

  cell(name: string): CellState {
    return this.cells.get(name) ?? emptyCellState();
  }

  /**
   * Applies one streamed event. Answers the cell whose new execution began (its output starts afresh), if
   * this event began one, and the cell whose step ended, if it ended one: status events do not carry a
   * step's result, so the caller reads the run again and hands it to `takeResults`.
   */
  apply(event: EventView): { restarted?: string; finished?: string } {
    if (event.kind === 'progress' && event.cell) {
      const data = JSON.parse(event.data) as CellState['progress'] & { machines?: CellState['machines'] };
      const state = { ...this.cell(event.cell) };
      if (data && typeof data.total === 'number')
        state.progress = { done: data.done, total: data.total, unit: data.unit, label: data.label };
      if (data?.machines) state.machines = { ...state.machines, ...data.machines };
      this.cells.set(event.cell, state);
      return {};
    }
    if (event.kind !== 'status') return {};
    const data = JSON.parse(event.data) as {
      run?: string;
      status: string;
      attempt?: number;
      error?: { code: string; message: string };
      prompt?: string;
      approved_by?: string;
      note?: string;
    };
    if (!event.cell) {
      this.runStatus = data.status;
      return {};
    }
    const previous = this.cell(event.cell);
    const fresh = data.status === 'running' && !data.attempt && !data.approved_by;
    const state: CellState = fresh
      ? { ...emptyCellState(), attempt: 1, startedAt: event.ts }
      : { ...previous };
    state.status = data.status;
    if (data.attempt) state.attempt = data.attempt;
    if (data.error) state.error = data.error;
    if (data.prompt) state.prompt = data.prompt;
    if (data.approved_by) {
      state.approvedBy = data.approved_by;
      state.approvalNote = data.note ?? '';
      state.prompt = null;
    }
    if (!ACTIVE.has(data.status)) state.finishedAt = event.ts;
    this.cells.set(event.cell, state);
    if (fresh) return { restarted: event.cell };
    return ACTIVE.has(data.status) ? {} : { finished: event.cell };
  }

  /**
   * Takes the results of ended steps from a fresh read of the run. Only a cell still showing the status its
   * latest recorded step has is touched, so a read older than the events already applied changes nothing.
   */
  takeResults(run: Pick<RunView, 'steps'>): void {
    const latest = new Map(run.steps.map((step) => [step.cell, step]));
    for (const [cell, step] of latest) {
      const state = this.cells.get(cell);
      if (!state || state.status !== step.status || ACTIVE.has(step.status)) continue;
      const machines = { ...machinesFromResult(step.result), ...state.machines };
      this.cells.set(cell, { ...state, result: step.result, reusedFrom: step.reused_from, machines });
    }
  }
}
