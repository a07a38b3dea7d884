import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { REPORTS } from '../../report/reports.ts';
import { loadReportData } from '../../report/run-report.ts';
import { StackbookError } from '../../stackbook-error.ts';
import { COMMON_OPTIONS, commonOptions, openContext, resolveRunId } from '../cli-context.ts';
import { writeAll } from './execute-and-report.ts';

export const EXPORT_USAGE = 'stackbook export <run> --format md|html|junit [--out FILE]';

/** `stackbook export`: a recorded run as Markdown, HTML or JUnit XML, to standard output or a file. */
export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, format: { type: 'string' }, out: { type: 'string', short: 'o' } },
  });
  if (values.help) return (console.log(EXPORT_USAGE), 0);
  if (positionals.length !== 1)
    throw new StackbookError('BAD_ARGUMENT', `export takes one run id\nusage: ${EXPORT_USAGE}`);
  const report = REPORTS[values.format ?? 'md'];
  if (!report)
    throw new StackbookError('BAD_ARGUMENT', `--format must be one of ${Object.keys(REPORTS).join(', ')}`);
  const context = await openContext(commonOptions(values));
  try {
    const run = await context.engine.getRun(await resolveRunId(context.store, positionals[0]));
    const data = await loadReportData(context.store, run);
    // A reader that stops early (`| head`) got what it wanted: the export ends quietly, with status 0.
    if (!values.out) {
      await writeAll(report(data), process.stdout);
      return 0;
    }
    const out = createWriteStream(values.out);
    await writeAll(report(data), out);
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    return 0;
  } finally {
    await context.close();
  }
}
