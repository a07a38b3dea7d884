import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './cli.ts';

const BIN = path.join(ROOT, 'server/cli/bin.js');
const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the CLI on a real terminal: util-linux `script` (Debian's essential bsdutils) gives it a pseudo-
 * terminal, passes what the test types to it (the terminal's line discipline turns Ctrl-C into SIGINT) and
 * copies the screen to `output`.
 */
export function startInTerminal(
  sandbox: { dir: string; datacentres: string; runbooks: string },
  args: string[],
  env: NodeJS.ProcessEnv = {},
) {
  const argv = [
    process.execPath,
    BIN,
    ...args,
    '--data',
    path.join(sandbox.dir, 'data'),
    '--datacentres',
    sandbox.datacentres,
    '--runbooks',
    sandbox.runbooks,
  ];
  const child = spawn('script', ['-qfec', `exec ${argv.map(quote).join(' ')}`, '/dev/null'], {
    cwd: sandbox.dir,
    env: { ...process.env, TERM: 'xterm', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const wake of waiters) wake();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      for (const wake of waiters) wake();
      resolve(code);
    }),
  );
  child.on('exit', () => child.stdin.end());
  return {
    child,
    /** Everything the terminal showed so far, with its `\r\n` line ends made `\n`. */
    get output() {
      return output.replace(/\r\n/g, '\n');
    },
    type(text: string) {
      child.stdin.write(text);
    },
    /** Waits until the screen matches `pattern`; fails after `ms` or if the program ends first. */
    async waitFor(pattern: RegExp, ms = 30_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!pattern.test(this.output)) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`the terminal never showed ${pattern}:\n${this.output}`);
        await new Promise<void>((resolve) => {
          const wake = () => (waiters.delete(wake), clearTimeout(timer), resolve());
          const timer = setTimeout(wake, 200);
          waiters.add(wake);
        });
      }
    },
    exited,
  };
}
