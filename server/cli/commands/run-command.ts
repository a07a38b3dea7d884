import { parseArgs } from 'node:util';
import { loadDatacentre } from '../../runbook/load-datacentre.ts';
import { loadRunbook } from '../../runbook/load-runbook.ts';
import { StackbookError } from '../../stackbook-error.ts';
import type { Selection } from '../../engine/select-cells.ts';
import { COMMON_OPTIONS, commonOptions, openContext, whoAmI } from '../cli-context.ts';
import { executeAndReport, EXECUTE_OPTIONS } from './execute-and-report.ts';

export const RUN_USAGE = `stackbook run <runbook id | file.md> --dc <name | folder> [--dry-run] [--from <cell>] [--only <cells>] [--yes] [--junit FILE] [--quiet]`;

/** `stackbook run`: creates a run of a runbook on a datacentre and executes it, recording every step. */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      ...EXECUTE_OPTIONS,
      dc: { type: 'string' },
      'dry-run': { type: 'boolean' },
      only: { type: 'string' },
    },
  });
  if (values.help) return (console.log(RUN_USAGE), 0);
  const options = commonOptions(values);
  if (positionals.length !== 1)
    throw new StackbookError('BAD_ARGUMENT', `run takes one runbook\nusage: ${RUN_USAGE}`);
  const dcRef = values.dc ?? process.env.STACKBOOK_DC;
  if (!dcRef) throw new StackbookError('BAD_ARGUMENT', `--dc is required\nusage: ${RUN_USAGE}`);
  if (values.from && values.only)
    throw new StackbookError('BAD_ARGUMENT', '--from and --only do not go together');
  const by = whoAmI();

  const context = await openContext(options);
  try {
    const datacentre = await loadDatacentre(dcRef, options.datacentres);
    const runbook = await loadRunbook(positionals[0]!, {
      runbooksDir: options.runbooks,
      datacentreDir: datacentre.dir,
      drivers: context.drivers,
    });
    const selection: Selection = values.only
      ? {
          cells: values.only
            .split(',')
            .map((name) => name.trim())
            .filter(Boolean),
        }
      : values.from
        ? { from: values.from }
        : { all: true };
    // What would refuse the execution (an unknown cell, unmet needs, a leased machine) refuses the command
    // before the run is recorded: a refused `run` leaves nothing behind.
    const run = await context.engine.createRun({
      runbook,
      datacentre,
      mode: values['dry-run'] ? 'dry-run' : 'live',
      by,
      selection,
    });
    return await executeAndReport(context, run, selection, values);
  } finally {
    await context.close();
  }
}
