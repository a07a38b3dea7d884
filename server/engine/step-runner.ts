import { exec, type ExecOptions } from '../../drivers/exec.ts';
import type { Scrubber } from '../../drivers/scrubber.ts';
import type { AnyDriver, Approval, DriverContext } from '../../drivers/types.ts';
import type { Datacentre } from '../runbook/datacentre-schema.ts';
import type { TemplateScope } from '../runbook/templates.ts';
import type { CellBlock } from '../runbook/types.ts';
import { asStackbookError, StackbookError } from '../stackbook-error.ts';
import type { RunRecord, StepRecord, StepStatus } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import { parseCellArgs, resolveCellArgs } from './cell-args.ts';
import type { EventWriter } from './event-writer.ts';
import type { LeaseTable } from './lease-table.ts';

/** What one execution of a run shares between its steps. */
export interface Execution {
  run: RunRecord;
  /** State of the run's datacentre that outlives runs: `<data>/sites/<datacentre>`. */
  siteDir: string;
  store: Store;
  writer: EventWriter;
  scrubber: Scrubber;
  secrets: ReadonlyMap<string, string>;
  /** Aborted by cancel. */
  cancel: AbortController;
  leases: LeaseTable;
  /** Told which cell starts executing, so a refusal can name it. */
  onCell(name: string): void;
  /** The next step number of the run. */
  nextSeq(): number;
  now(): Date;
  /** Asks for an operator's approval of a step; rejects with NEEDS_APPROVAL when nobody can give it now. */
  approve(step: number, cell: CellBlock, prompt: string, reason: 'manual' | 'confirm'): Promise<Approval>;
}

const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 5000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/**
 * Executes one cell as one step: resolve templates, parse arguments, (approval), validate, then run with
 * timeout and retries. Everything that happens is written to the step row and its events; the returned
 * status is the step's final one.
 */
export async function runStep(
  execution: Execution,
  cell: CellBlock,
  driver: AnyDriver,
  scope: TemplateScope,
): Promise<StepStatus> {
  const { run, store, writer } = execution;
  execution.onCell(cell.name);
  const seq = execution.nextSeq();
  const stamp = () => execution.now().toISOString();
  // Templates and arguments are resolved before the step row is written, so it is written with them at once;
  // a failure is recorded on the step below.
  let resolved: unknown = null;
  let args: unknown;
  let invalid: { error: unknown } | undefined;
  try {
    const values = resolveCellArgs(cell, driver, scope);
    args = parseCellArgs(cell, driver, values);
    resolved = values;
  } catch (error) {
    invalid = { error };
  }
  // The row is written while the step gets going: nothing needs it before the driver has started, and the
  // process spawn (which blocks this thread) hides the wait. The step's later writes queue behind it, since
  // statements on the one connection may run in any order; an approval, which reads and writes it, waits.
  let rowWrites: Promise<void> = store.insertStep({
    run: run.id,
    seq,
    cell: cell.name,
    driver: driver.name,
    args: resolved,
    status: 'running',
    attempt: 0,
    startedAt: stamp(),
    finishedAt: null,
    result: null,
    error: null,
    reusedFrom: null,
    approvedBy: null,
    approvalNote: null,
    pgid: null,
  });
  rowWrites.catch(() => undefined);
  // Changes made while an earlier write runs go out together once it is done (the attempt and the process
  // group, which come moments apart as the driver starts), so the step's final update does not queue behind
  // several trips.
  let queued: Partial<StepRecord> | undefined;
  const writeRow = (changes: Partial<StepRecord>): Promise<void> => {
    if (queued) return (Object.assign(queued, changes), rowWrites);
    const merged = (queued = { ...changes });
    const write = rowWrites.then(() => {
      queued = undefined;
      return store.updateStep(run.id, seq, merged);
    });
    write.catch(() => undefined);
    return (rowWrites = write);
  };
  const status = (value: StepStatus, extra: Record<string, unknown> = {}) =>
    writer.append('status', seq, JSON.stringify({ cell: cell.name, status: value, ...extra }));
  const finish = async (value: StepStatus, fields: { result?: unknown; error?: StackbookError }) => {
    const error =
      fields.error &&
      execution.scrubber.scrubValue({ code: fields.error.code, message: fields.error.message });
    const written = writeRow({
      status: value,
      finishedAt: stamp(),
      result: fields.result === undefined ? undefined : execution.scrubber.scrubValue(fields.result),
      error: error ?? undefined,
    });
    // The status event goes out with the row's update, not after it: the batch that carries it is
    // published once both are written (and the engine flushes before it reads the steps again).
    execution.writer.hold(written);
    await status(value, error ? { error } : {});
    return value;
  };
  await status('running');

  let attemptSignal: AbortSignal = execution.cancel.signal;
  const ctx: DriverContext = {
    runId: run.id,
    cellName: cell.name,
    workdir: run.workdir,
    siteDir: execution.siteDir,
    datacentre: { ...(run.datacentreSnapshot as Datacentre), name: run.datacentre },
    get signal() {
      return attemptSignal;
    },
    log: (stream, text) => writer.append(stream, seq, execution.scrubber.scrub(text)),
    progress: (progress) =>
      void writer.append('progress', seq, JSON.stringify({ cell: cell.name, ...progress })),
    exec: (file, args, options: ExecOptions = {}) =>
      exec(file, args, {
        signal: attemptSignal,
        scrubber: execution.scrubber,
        marker: `${run.id}/${seq}`,
        onSpawn: (pid) => void writeRow({ pgid: pid }),
        onOutput: (stream, text) => writer.append(stream, seq, text),
        ...options,
      }),
    secret(name) {
      const value = execution.secrets.get(name);
      if (value === undefined) throw new StackbookError('SECRET_MISSING', `secret ${name} is not set`);
      return value;
    },
    requestApproval: async (prompt) => {
      await rowWrites;
      return execution.approve(seq, cell, prompt, 'manual');
    },
  };

  let leased = false;
  try {
    if (invalid) throw invalid.error;
    if (run.mode === 'dry-run') {
      await driver.validate?.(args, ctx);
      const plan = driver.plan(args, ctx);
      for (const action of plan) await ctx.log('log', `would ${action.kind}: ${action.summary}\n`);
      return await finish('succeeded', { result: { plan } });
    }
    if (cell.attrs.confirm) {
      await rowWrites;
      await execution.approve(seq, cell, `Run cell '${cell.name}' (${driver.name})?`, 'confirm');
    }
    await driver.validate?.(args, ctx);
    const keys = driver.leases?.(args) ?? [];
    if (keys.length) {
      await execution.leases.acquire(keys, run.id, cell.name);
      leased = true;
      await ctx.log('log', `leased ${keys.join(', ')}\n`);
    }
  } catch (error) {
    const failure = asStackbookError(error, 'DRIVER_ERROR');
    if (failure.code === 'NEEDS_APPROVAL') throw failure;
    return finish(execution.cancel.signal.aborted ? 'cancelled' : 'failed', { error: failure });
  }

  try {
    const setSignal = (signal: AbortSignal) => (attemptSignal = signal);
    return await attempt({ execution, cell, driver, args, ctx, finish, status, setSignal, writeRow });
  } finally {
    if (leased) await execution.leases.release(run.id, cell.name);
  }
}

type Finish = (
  value: StepStatus,
  fields: { result?: unknown; error?: StackbookError },
) => Promise<StepStatus>;

interface Attempt {
  execution: Execution;
  cell: CellBlock;
  driver: AnyDriver;
  args: unknown;
  ctx: DriverContext;
  finish: Finish;
  status: (value: StepStatus, extra?: Record<string, unknown>) => Promise<void>;
  setSignal: (signal: AbortSignal) => void;
  /** Updates the step's row, after its earlier writes. */
  writeRow: (changes: Partial<StepRecord>) => Promise<void>;
}

/** Runs the driver, with the cell's timeout, as many times as its retries allow. */
async function attempt({
  execution,
  cell,
  driver,
  args,
  ctx,
  finish,
  status,
  setSignal,
  writeRow,
}: Attempt): Promise<StepStatus> {
  const attempts = 1 + cell.attrs.retries;
  for (let attempt = 1; ; attempt++) {
    const attemptController = new AbortController();
    const onCancel = () =>
      attemptController.abort(new StackbookError('CANCELLED', 'cancelled by an operator'));
    execution.cancel.signal.addEventListener('abort', onCancel, { once: true });
    const timeout =
      cell.attrs.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () =>
              attemptController.abort(
                new StackbookError('TIMEOUT', `timed out after ${cell.attrs.timeoutMs! / 1000} s`),
              ),
            cell.attrs.timeoutMs,
          );
    setSignal(attemptController.signal);
    // The attempt is recorded while the driver starts, not before: nothing needs it first. A step whose row
    // cannot be written is stopped rather than left running unrecorded.
    const counted = writeRow({ attempt });
    counted.catch((error: unknown) => attemptController.abort(error));
    if (attempt > 1) await status('running', { attempt });
    try {
      const value = await driver.run(args, ctx);
      await counted;
      const output = driver.result.parse(value);
      return await finish('succeeded', { result: output });
    } catch (error) {
      const reason = attemptController.signal.aborted ? attemptController.signal.reason : error;
      const failure = asStackbookError(reason, 'DRIVER_ERROR');
      if (failure.code === 'NEEDS_APPROVAL') throw failure;
      if (failure.code === 'CANCELLED') return await finish('cancelled', { error: failure });
      if (attempt >= attempts) {
        // A fan-out that failed in part still records what each machine did.
        const partial = driver.result.safeParse(failure.result);
        return await finish('failed', { error: failure, result: partial.success ? partial.data : undefined });
      }
      const delay = Math.min(RETRY_BASE_MS * 2 ** (attempt - 1), RETRY_MAX_MS);
      await ctx.log(
        'log',
        `attempt ${attempt} of ${attempts} failed: ${failure.message}; retrying in ${delay} ms\n`,
      );
      await sleep(delay, execution.cancel.signal);
      if (execution.cancel.signal.aborted) {
        return await finish('cancelled', {
          error: new StackbookError('CANCELLED', 'cancelled by an operator'),
        });
      }
    } finally {
      clearTimeout(timeout);
      execution.cancel.signal.removeEventListener('abort', onCancel);
    }
  }
}
