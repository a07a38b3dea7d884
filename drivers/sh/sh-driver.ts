import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
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
    await mkdir(files.dir, { recursive: true });
    await writeFile(files.script, input.script, { mode: 0o600 });
    await writeFile(files.outputs, '', { mode: 0o600 });
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
      return { exit_code: 0, ...parseOutputs(await readFile(files.outputs, 'utf8')) };
    } finally {
      // The file holds the values as the script wrote them, secrets included; the result, scrubbed by the
      // engine before it is stored, is the record. Nothing raw stays behind in the run's directory.
      await rm(files.outputs, { force: true });
    }
  },
};
