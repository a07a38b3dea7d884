import { parseArgs } from 'node:util';
import { durationSeconds, formatDuration } from '../../report/run-report.ts';
import { runSummary } from '../../store/run-views.ts';
import { COMMON_OPTIONS, commonOptions, openContext } from '../cli-context.ts';

export const RUNS_USAGE = 'stackbook runs [--runbook ID] [--dc NAME] [--limit N] [--json]';

/** Prints rows as aligned columns. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** `stackbook runs`: recorded runs, newest first. */
export async function runsCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...COMMON_OPTIONS,
      runbook: { type: 'string' },
      dc: { type: 'string' },
      limit: { type: 'string' },
    },
  });
  if (values.help) return (console.log(RUNS_USAGE), 0);
  const options = commonOptions(values);
  const context = await openContext(options);
  try {
    const runs = await context.store.listRuns({
      runbook: values.runbook,
      datacentre: values.dc,
      limit: values.limit ? Number(values.limit) : 100,
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(runs.map(runSummary), null, 2)}\n`);
      return 0;
    }
    if (!runs.length) return (process.stdout.write('no runs yet\n'), 0);
    const header = ['RUN', 'RUNBOOK', 'DATACENTRE', 'MODE', 'STATUS', 'STARTED', 'DURATION', 'PARENT'];
    const rows = runs.map((run) => [
      run.id,
      run.runbook,
      run.datacentre,
      run.mode,
      run.status,
      run.startedAt ?? run.createdAt,
      formatDuration(durationSeconds(run.startedAt, run.finishedAt)),
      run.parent ?? '',
    ]);
    process.stdout.write(table([header, ...rows]));
    return 0;
  } finally {
    await context.close();
  }
}
