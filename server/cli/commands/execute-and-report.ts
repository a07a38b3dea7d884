import { createWriteStream } from 'node:fs';
import type { Selection } from '../../engine/select-cells.ts';
import { junitReport } from '../../report/junit-report.ts';
import { loadReportData } from '../../report/run-report.ts';
import type { RunRecord } from '../../store/records.ts';
import { cliApprover } from '../approver.ts';
import { whoAmI, type CliContext } from '../cli-context.ts';
import { ProgressPrinter } from '../progress-printer.ts';
import { runDetail } from '../../store/run-views.ts';
import { latestSteps } from '../../engine/latest-steps.ts';

export const EXECUTE_OPTIONS = {
  from: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  junit: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

/** The error of writing to a pipe whose reader has gone (`stackbook export … | head`). */
export function isClosedPipe(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/**
 * Writes an async sequence of text pieces to a file or a stream, honouring backpressure. Answers false when
 * the reader closed the pipe before the end: the rest is not read or written, and that is not an error.
 */
export async function writeAll(pieces: AsyncIterable<string>, out: NodeJS.WritableStream): Promise<boolean> {
  let closed = false;
  let failure: unknown;
  const onError = (error: unknown) => {
    if (isClosedPipe(error)) closed = true;
    else failure ??= error;
  };
  out.on('error', onError);
  try {
    for await (const piece of pieces) {
      if (!out.write(piece)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            for (const event of ['drain', 'close', 'error']) out.off(event, done);
            resolve();
          };
          for (const event of ['drain', 'close', 'error']) out.on(event, done);
        });
      }
      if (failure) throw failure;
      // Leaving the loop ends the generator, so nothing more is read from the store.
      if (closed) return false;
    }
    return true;
  } finally {
    out.off('error', onError);
  }
}

/**
 * Executes a created run in the foreground: prints progress, cancels on Ctrl-C (a second Ctrl-C leaves at
 * once), writes the JUnit file if asked, and answers the exit status (0 done, 1 a cell failed or waits).
 */
export async function executeAndReport(
  context: CliContext,
  run: RunRecord,
  selection: Selection,
  values: { yes?: boolean; junit?: string; quiet?: boolean; json?: boolean },
): Promise<number> {
  const by = whoAmI();
  // With --json, standard output holds only the final record; progress goes to standard error.
  const printer = new ProgressPrinter(values.json ? process.stderr : process.stdout, { quiet: values.quiet });
  context.engine.configure({
    onEvents: printer.print,
    onApprovalNeeded: cliApprover({ yes: Boolean(values.yes), by }),
  });
  const log = (text: string) => process.stderr.write(`${text}\n`);
  log(`run ${run.id}: ${run.title} on ${run.datacentre}${run.mode === 'dry-run' ? ' (dry run)' : ''}`);
  let interrupts = 0;
  const onInterrupt = () => {
    if (++interrupts > 1) process.exit(130);
    log('cancelling… (Ctrl-C again to leave at once)');
    void context.engine.cancel(run.id, by);
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  let final: RunRecord;
  try {
    let started;
    try {
      started = await context.engine.start(run.id, selection, by);
    } catch (error) {
      // Refused after all (a machine leased since the check): nothing of it ran, so it is not left pending.
      await context.engine.withdraw(run.id, by, (error as Error).message);
      throw error;
    }
    final = await started.done;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
  if (values.junit) {
    const out = createWriteStream(values.junit);
    await writeAll(junitReport(await loadReportData(context.store, final)), out);
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
  const steps = [...latestSteps(await context.store.listSteps(run.id)).values()];
  const failed = steps.filter((step) => step.status === 'failed');
  for (const step of failed) log(`cell '${step.cell}' failed: ${step.error?.message ?? ''}`);
  const waiting = steps.find((step) => step.status === 'awaiting-approval');
  if (waiting) {
    log(
      waiting.error?.message ??
        `cell '${waiting.cell}' awaits approval: stackbook replay ${run.id} --from ${waiting.cell} --yes`,
    );
  }
  log(`run ${final.id}: ${final.status}`);
  if (values.json) {
    const record = runDetail(final, await context.store.listSteps(run.id));
    process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  }
  return ['succeeded', 'pending'].includes(final.status) ? 0 : 1;
}
