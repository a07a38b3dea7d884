import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { StackbookError } from '../../server/stackbook-error.ts';
import type { Driver } from '../types.ts';

const args = z
  .object({
    script: z.string(),
    /** Environment variable → secret name, filled in by template resolution. */
    secretEnv: z.record(z.string(), z.string()).default({}),
  })
  .strict();

const OUTPUT_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const result = z.object({ exit_code: z.number().int() }).catchall(z.union([z.string(), z.number()]));

export type ShArgs = z.infer<typeof args>;
export type ShResult = z.infer<typeof result>;

const BASH = ['bash', '--noprofile', '--norc', '-e', '-o', 'pipefail'];

function scriptFiles(workdir: string, cellName: string) {
  const dir = path.join(workdir, '.stackbook');
  return { dir, script: path.join(dir, `${cellName}.sh`), outputs: path.join(dir, `${cellName}.outputs`) };
}

/**
 * Creates a file afresh with mode 0600, replacing whatever was there: removed first, then created exclusively
 * (`wx`, which also refuses a symlink planted in its place). Rewriting a file in place would truncate it, and
 * ext4 then writes its blocks out when it is closed (the guard against losing a file replaced by truncation):
 * 0.4 ms median, often more than 1 ms, against 0.15 ms this way, on every re-execution of a cell.
 */
function createFile(file: string, text: string): void {
  for (let attempt = 0; ; attempt++) {
    rmSync(file, { force: true });
    try {
      writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
      return;
    } catch (error) {
      // Made again in the moment between (another process executing the same cell): replace it once more.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
    }
  }
}

/**
 * Writes a cell's script and its empty outputs file; the folder is made only when missing (the first cell of a
 * run). Synchronous on purpose, like the outputs file's read and removal: small files cost microseconds this
 * way, where the promise API takes several round trips through libuv's thread pool each (open, write,
 * close), and the spawn that follows blocks the event loop far longer anyway.
 */
function writeScriptFiles(files: ReturnType<typeof scriptFiles>, script: string): void {
  const write = () => {
    createFile(files.script, script);
    createFile(files.outputs, '');
  };
  try {
    write();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(files.dir, { recursive: true });
    write();
  }
}

/** Parses `key=value` lines a script wrote to $STACKBOOK_OUTPUT. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at <= 0) continue;
    const key = line.slice(0, at).trim();
    if (OUTPUT_KEY.test(key) && key !== 'exit_code') outputs[key] = line.slice(at + 1);
  }
  return outputs;
}

/**
 * `sh`/`bash` cells: the body runs as a bash script (`-e -o pipefail`) in the run's working directory, in
 * its own process group. Lines `key=value` written to `$STACKBOOK_OUTPUT` become the typed result, so later
 * cells can use `{{ cells.<name>.key }}`.
 */
export const shDriver: Driver<ShArgs, ShResult> = {
  name: 'sh',
  aliases: ['bash'],
  summary: 'Run a shell script (bash) in the run directory',
  body: 'script',
  args,
  result,
  plan(input, ctx) {
    const files = scriptFiles(ctx.workdir, ctx.cellName);
    return [
      {
        kind: 'exec',
        summary: `${[...BASH, files.script].join(' ')}\n${input.script}`,
        command: [...BASH, files.script],
      },
    ];
  },
  async run(input, ctx) {
    const files = scriptFiles(ctx.workdir, ctx.cellName);
    writeScriptFiles(files, input.script);
    const env: Record<string, string> = {
      STACKBOOK_RUN: ctx.runId,
      STACKBOOK_CELL: ctx.cellName,
      STACKBOOK_WORKDIR: ctx.workdir,
      STACKBOOK_OUTPUT: files.outputs,
    };
    for (const [variable, secret] of Object.entries(input.secretEnv)) env[variable] = ctx.secret(secret);
    try {
      const outcome = await ctx.exec(BASH[0]!, [...BASH.slice(1), files.script], { cwd: ctx.workdir, env });
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (outcome.exitCode !== 0) {
        const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with ${outcome.exitCode}`;
        throw new StackbookError('EXEC_FAILED', `script ${how}`, {
          details: { exitCode: outcome.exitCode, signal: outcome.signal },
        });
      }
      return { exit_code: 0, ...parseOutputs(readFileSync(files.outputs, 'utf8')) };
    } finally {
      // The file holds the values as the script wrote them, secrets included; the result, scrubbed by the
      // engine before it is stored, is the record. Nothing raw stays behind in the run's directory.
      rmSync(files.outputs, { force: true });
    }
  },
};
