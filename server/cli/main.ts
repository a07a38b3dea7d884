import { asStackbookError } from '../stackbook-error.ts';
import { isClosedPipe } from './commands/execute-and-report.ts';
import { exportCommand, EXPORT_USAGE } from './commands/export-command.ts';
import { importNodesCommand, IMPORT_NODES_USAGE } from './commands/import-nodes-command.ts';
import { labCommand, LAB_USAGE } from './commands/lab-command.ts';
import { replayCommand, REPLAY_USAGE } from './commands/replay-command.ts';
import { runCommand, RUN_USAGE } from './commands/run-command.ts';
import { runsCommand, RUNS_USAGE } from './commands/runs-command.ts';
import { serveCommand, SERVE_USAGE } from './commands/serve-command.ts';
import { showCommand, SHOW_USAGE } from './commands/show-command.ts';
import { tftpServeCommand, TFTP_SERVE_USAGE } from './commands/tftp-serve-command.ts';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  serve: serveCommand,
  run: runCommand,
  runs: runsCommand,
  show: showCommand,
  replay: replayCommand,
  export: exportCommand,
  'import-nodes': importNodesCommand,
  lab: labCommand,
  'tftp-serve': tftpServeCommand,
};

const USAGE = `stackbook — notebook runbooks for bringing up OpenStack on bare metal

  ${SERVE_USAGE}
  ${RUN_USAGE}
  ${RUNS_USAGE}
  ${SHOW_USAGE}
  ${REPLAY_USAGE}
  ${EXPORT_USAGE}
  ${IMPORT_NODES_USAGE}
  ${LAB_USAGE}
  ${TFTP_SERVE_USAGE}

Every command takes --data DIR (default ./data, or STACKBOOK_DATA), --runbooks DIR (default ./runbooks),
--datacentres DIR (default ./datacentres) and --json where it prints records.
Exit status: 0 success, 1 a cell failed or the run was refused, 2 bad arguments or input.`;

/**
 * Runs one CLI command and answers its exit status. The one boundary where errors become messages and exit
 * codes: input errors (a bad file, a bad argument) exit 2, refusals and failures exit 1.
 */
export async function main(argv: string[]): Promise<number> {
  // A reader that closed its end of a pipe (`stackbook show … --output | head`) only ends the output: the
  // command goes on (a run still finishes and is recorded) and its exit status is its own.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error) => {
      if (!isClosedPipe(error)) throw error;
    });
  }
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`stackbook: unknown command '${name}'\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (thrown) {
    // parseArgs reports unknown or malformed options with these codes.
    const code = (thrown as { code?: string }).code ?? '';
    if (code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`stackbook ${name}: ${(thrown as Error).message}\n`);
      return 2;
    }
    const error = asStackbookError(thrown);
    process.stderr.write(`stackbook ${name}: ${error.message}\n`);
    // A profile or argument check finds every problem at once; show them all, not just the first.
    const issues = error.details?.issues;
    if (Array.isArray(issues) && issues.length > 1) {
      for (const issue of issues as { line?: number; field?: string; message: string }[]) {
        const where = [
          error.location?.file && issue.line ? `${error.location.file}:${issue.line}` : '',
          issue.field,
        ]
          .filter(Boolean)
          .join(': ');
        process.stderr.write(`  ${where ? `${where}: ` : ''}${issue.message}\n`);
      }
    }
    if (error.code === 'INTERNAL' && process.env.STACKBOOK_DEBUG)
      process.stderr.write(`${(thrown as Error).stack}\n`);
    return error.isInputError ? 2 : 1;
  }
}
