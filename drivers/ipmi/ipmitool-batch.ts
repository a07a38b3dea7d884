import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IpmiConnection, IpmiPolicy } from './ipmi-connection.ts';
import { describeCommand, invoke, once, retrying, type IpmitoolTarget } from './ipmitool.ts';

/*
 * Batches: an action command and the reads that confirm it, sent to one BMC by one ipmitool process in one
 * session (`ipmitool … exec FILE`). Most of an ipmitool call's CPU is its own start (loading its libraries)
 * and the session set-up, so two commands in one session cost little more than one.
 */

/** ipmitool's `echo` prints this and a command's number before each command of a batch. */
const MARK = 'stackbook-ipmi-command';
const MARK_LINE = new RegExp(`^${MARK} (\\d+)\\s*$`);
const MARK_LINES = new RegExp(`^${MARK} \\d+[ \\t]*\\n?`, 'gm');

/** What ipmitool prints once an action command has been carried out. */
const ACTION_DONE = /^(?:Set Boot Device to \S|Chassis Power Control: \S)/m;

/**
 * The lines of a command file for `ipmitool … exec FILE`: each command after an `echo` of its number, so
 * that each command's output can be told apart. ipmitool's exec reads one command a line and splits it on
 * blanks (a `#` starts a comment); the commands here are words from the driver's own tables.
 */
export function batchInput(commands: readonly (readonly string[])[]): string {
  return commands.map((command, i) => `echo ${MARK} ${i + 1}\n${command.join(' ')}\n`).join('');
}

/** A cell's batch: an action command, then the reads that confirm it, and the file that holds them. */
export interface Batch {
  file: string;
  commands: readonly (readonly string[])[];
}

/** Where a cell's command file lives: in the run's directory, named after the cell. */
export function batchFile(workdir: string, cellName: string): string {
  return path.join(
    workdir,
    '.stackbook',
    'ipmitool',
    `${cellName.replace(/[^A-Za-z0-9_.-]/g, '_')}.commands`,
  );
}

/**
 * Writes the command file of a cell's batch (the same for every machine of the cell; mode 0600, though it
 * holds no secret) and answers its path. The cell removes it when it ends.
 */
export async function writeBatchFile(
  workdir: string,
  cellName: string,
  commands: readonly (readonly string[])[],
): Promise<Batch> {
  const file = batchFile(workdir, cellName);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, batchInput(commands), { mode: 0o600 });
  return { file, commands };
}

/** Each command's standard output, cut at the marks; undefined for a command that never began. */
export function splitBatch(stdout: string, count: number): (string | undefined)[] {
  const sections: (string[] | undefined)[] = new Array<string[] | undefined>(count).fill(undefined);
  let current: string[] | undefined;
  const lines = stdout.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    const mark = MARK_LINE.exec(line);
    if (mark) {
      const index = Number(mark[1]) - 1;
      current = index >= 0 && index < count ? (sections[index] = []) : undefined;
    } else current?.push(line);
  }
  return sections.map((section) => section?.join('\n'));
}

/**
 * Runs an action command and the reads that confirm it in one ipmitool process and one session
 * (`exec FILE`, the file written by `writeBatchFile`): one process start, one session set-up and one
 * interval where each command took one of each. Once ipmitool has confirmed the action, the reads' answers
 * are returned, each undefined when the batch did not bring it back cleanly, for the caller to read again on
 * its own. A BMC whose batch failed retryably (busy, or too slow: its reads would only time out as well) is
 * tried again with the action alone, one command per session as without batches, and its reads are left to
 * the caller.
 */
export function runIpmitoolBatch(target: IpmitoolTarget, batch: Batch): Promise<(string | undefined)[]> {
  const count = batch.commands.length;
  const unread = () => new Array<string | undefined>(count - 1).fill(undefined);
  return retrying(target, async (tries) => {
    if (tries > 1) {
      await once(target, batch.commands[0]!);
      return unread();
    }
    const { stdout, failure } = await invoke(target, ['exec', batch.file], {
      commands: count,
      fullRegistry: false,
      notMessage: MARK_LINES,
    });
    const [done, ...answers] = splitBatch(stdout, count);
    if (!failure) return answers;
    if (!ACTION_DONE.test(done ?? '')) throw failure;
    // The action was carried out but a read failed; which one, ipmitool's exit status does not say.
    return unread();
  });
}

/**
 * A batch as a reader would type it: the ipmitool command, the password shown masked, and the lines of the
 * command file it executes.
 */
export function describeBatch(
  connection: IpmiConnection,
  file: string,
  commands: readonly (readonly string[])[],
  policy: Pick<IpmiPolicy, 'timeout' | 'retransmits'>,
): string {
  const lines = batchInput(commands)
    .trimEnd()
    .split('\n')
    .map((line) => `'${line}'`);
  return `${describeCommand(connection, ['exec', file], policy)} (${file}: ${lines.join(' ')})`;
}
