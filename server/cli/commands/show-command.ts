import { parseArgs } from 'node:util';
import { StackbookError } from '../../stackbook-error.ts';
import { durationSeconds, formatDuration } from '../../report/run-report.ts';
import { COMMON_OPTIONS, commonOptions, openContext, resolveRunId } from '../cli-context.ts';
import { ProgressPrinter } from '../progress-printer.ts';
import { runDetail } from '../../store/run-views.ts';
import { table } from './runs-command.ts';

export const SHOW_USAGE = 'stackbook show <run> [--output] [--json]';

/** `stackbook show`: one run, its steps, and with `--output` everything it printed. */
export async function showCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, output: { type: 'boolean' } },
  });
  if (values.help) return (console.log(SHOW_USAGE), 0);
  if (positionals.length !== 1)
    throw new StackbookError('BAD_ARGUMENT', `show takes one run id\nusage: ${SHOW_USAGE}`);
  const options = commonOptions(values);
  const context = await openContext(options);
  try {
    const run = await context.engine.getRun(await resolveRunId(context.store, positionals[0]));
    const steps = await context.store.listSteps(run.id);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(runDetail(run, steps), null, 2)}\n`);
      return 0;
    }
    const out = process.stdout;
    out.write(
      `run ${run.id}: ${run.title}\n  runbook ${run.runbook} · datacentre ${run.datacentre} · ${run.mode} · ${run.status}\n`,
    );
    out.write(
      `  started ${run.startedAt ?? '–'} by ${run.startedBy} · finished ${run.finishedAt ?? '–'}${run.parent ? ` · parent ${run.parent}` : ''}\n\n`,
    );
    if (steps.length) {
      const rows = steps.map((step) => [
        String(step.seq),
        step.cell,
        step.driver,
        step.status,
        String(step.attempt),
        formatDuration(durationSeconds(step.startedAt, step.finishedAt)),
        step.reusedFrom
          ? `reused from ${step.reusedFrom}`
          : (step.error?.message.split('\n')[0] ?? (step.approvedBy ? `approved by ${step.approvedBy}` : '')),
      ]);
      out.write(table([['#', 'CELL', 'DRIVER', 'STATUS', 'ATTEMPT', 'DURATION', 'NOTE'], ...rows]));
    } else out.write('no steps yet\n');
    if (values.output) {
      out.write('\n');
      const printer = new ProgressPrinter(out);
      for (let after = 0; ;) {
        const page = await context.store.listEvents(run.id, after, 1000);
        if (!page.length) break;
        printer.print(page);
        after = page.at(-1)!.seq;
      }
    }
    return 0;
  } finally {
    await context.close();
  }
}
