import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { importNodes } from '../../runbook/import-nodes.ts';
import { StackbookError } from '../../stackbook-error.ts';
import { COMMON_OPTIONS, commonOptions } from '../cli-context.ts';

export const IMPORT_NODES_USAGE =
  'stackbook import-nodes <nodes.json | instackenv.json | bifrost inventory> --dc <name | folder>';

/** `stackbook import-nodes`: writes machines from a TripleO nodes.json or a Bifrost inventory into a datacentre. */
export async function importNodesCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, dc: { type: 'string' } },
  });
  if (values.help) return (console.log(IMPORT_NODES_USAGE), 0);
  if (positionals.length !== 1 || !values.dc)
    throw new StackbookError('BAD_ARGUMENT', `usage: ${IMPORT_NODES_USAGE}`);
  const options = commonOptions(values);
  // A datacentre is a name under --datacentres, or a path to a folder (which may not exist yet).
  const isPath =
    values.dc.includes('/') ||
    (await stat(values.dc).then(
      (s) => s.isDirectory(),
      () => false,
    ));
  const dir = isPath ? path.resolve(values.dc) : path.join(options.datacentres, values.dc);
  const outcome = await importNodes(positionals[0]!, dir);
  if (options.json) process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
  else {
    process.stdout.write(
      `${path.join(dir, 'datacentre.yaml')}: ${outcome.added.length} added, ${outcome.updated.length} updated\n`,
    );
    process.stdout.write(`passwords written to ${outcome.secretsFile} (git-ignored, mode 0600)\n`);
  }
  return 0;
}
