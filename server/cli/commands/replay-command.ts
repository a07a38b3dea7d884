import { parseArgs } from 'node:util';
import { StackbookError } from '../../stackbook-error.ts';
import { COMMON_OPTIONS, commonOptions, openContext, resolveRunId, whoAmI } from '../cli-context.ts';
import { executeAndReport, EXECUTE_OPTIONS } from './execute-and-report.ts';

export const REPLAY_USAGE = 'stackbook replay <run> [--from <cell>] [--yes] [--junit FILE] [--quiet]';

/**
 * `stackbook replay`: a new run from a recorded run's snapshot; with `--from`, a resume that reuses the
 * recorded results of the cells before it.
 */
export async function replayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, ...EXECUTE_OPTIONS },
  });
  if (values.help) return (console.log(REPLAY_USAGE), 0);
  if (positionals.length !== 1)
    throw new StackbookError('BAD_ARGUMENT', `replay takes one run id\nusage: ${REPLAY_USAGE}`);
  const context = await openContext(commonOptions(values));
  try {
    const parent = await resolveRunId(context.store, positionals[0]);
    const run = await context.engine.replay(parent, { from: values.from, by: whoAmI(), check: true });
    process.stderr.write(`replaying ${parent}${values.from ? ` from '${values.from}'` : ''}\n`);
    return await executeAndReport(context, run, values.from ? { from: values.from } : { all: true }, values);
  } finally {
    await context.close();
  }
}
