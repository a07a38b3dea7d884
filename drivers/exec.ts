import { execa } from 'execa';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { LineSplitter } from './line-splitter.ts';
import { groupAlive } from './process-alive.ts';
import { Scrubber } from './scrubber.ts';

export type OutputStream = 'stdout' | 'stderr';

export interface ExecOptions {
  cwd?: string;
  /** Added to the inherited environment; the way secrets reach a process (never its arguments). */
  env?: Record<string, string>;
  /** Aborting kills the whole process group: SIGTERM, then SIGKILL after `killGraceMs`. */
  signal?: AbortSignal;
  killGraceMs?: number;
  /** Written to standard input, which is then closed; otherwise standard input is empty. */
  input?: string;
  /**
   * Receives scrubbed pieces of whole lines as they arrive. Awaited: a slow receiver pauses the reading,
   * so a chatty process waits instead of filling memory.
   */
  onOutput?: (stream: OutputStream, text: string) => void | Promise<void>;
  /** Secret values masked in everything passed to `onOutput` and captured. */
  scrubber?: Scrubber;
  /** Keep up to this many characters of each stream in the result (default 0: nothing). */
  capture?: number;
  /** A marker put in the child's environment as STACKBOOK_STEP, so a later start can recognise orphans. */
  marker?: string;
  /** Called once the process has started, with its pid (also its process group id). */
  onSpawn?: (pid: number) => void;
}

export interface ExecResult {
  exitCode: number | undefined;
  /** The signal that ended the process, if one did. */
  signal: string | undefined;
  /** True when `options.signal` aborted the run. */
  aborted: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export type Exec = (file: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

const PARTIAL_FLUSH_MS = 100;

/**
 * Runs a program with an argument array — never a shell string — in its own process group, streaming its
 * output line-wise. The only place in stackbook that starts processes.
 *
 * Through execa, as every process stackbook starts (a fixed choice of the project). With buffering,
 * rejection and encoding handled here, its option handling costs 1.3–2 ms of CPU per process (measured on a
 * no-op bash script against `child_process.spawn`: 5.1–5.7 ms against 3.3–4.7 ms); the server's overhead
 * per cell stays within its budget with it (decision 30).
 */
export const exec: Exec = async (file, args, options = {}) => {
  const started = performance.now();
  const scrubber = options.scrubber ?? new Scrubber();
  const subprocess = execa(file, args, {
    cwd: options.cwd,
    env: { ...options.env, ...(options.marker ? { STACKBOOK_STEP: options.marker } : {}) },
    extendEnv: true,
    detached: true,
    buffer: false,
    reject: false,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    encoding: 'utf8',
  });
  const pid = subprocess.pid;
  let aborted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    aborted = true;
    if (pid === undefined) return;
    killProcessGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => killProcessGroup(pid, 'SIGKILL'), options.killGraceMs ?? 2000);
  };
  if (pid !== undefined) options.onSpawn?.(pid);
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.input !== undefined) {
    // A program that exits without reading its input closes the pipe: not an error of ours.
    subprocess.stdin?.on('error', () => undefined);
    subprocess.stdin?.end(options.input);
  }

  const captured = { stdout: '', stderr: '' };
  const pump = async (stream: OutputStream, readable: Readable | null) => {
    if (!readable) return;
    readable.setEncoding('utf8');
    const splitter = new LineSplitter(scrubber);
    const emit = async (text: string) => {
      if (!text) return;
      if (options.capture && captured[stream].length < options.capture) {
        captured[stream] = (captured[stream] + text).slice(0, options.capture);
      }
      await options.onOutput?.(stream, text);
    };
    // A partial line (a prompt, a progress dot) is released after a quiet moment instead of waiting for \n.
    let partialTimer: NodeJS.Timeout | undefined;
    let flushing = Promise.resolve();
    for await (const chunk of readable as AsyncIterable<string>) {
      clearTimeout(partialTimer);
      await flushing;
      await emit(splitter.push(chunk));
      partialTimer = setTimeout(() => {
        flushing = emit(splitter.flushPartial());
      }, PARTIAL_FLUSH_MS);
    }
    clearTimeout(partialTimer);
    await flushing;
    await emit(splitter.end());
  };

  try {
    const [result] = await Promise.all([
      subprocess,
      pump('stdout', subprocess.stdout),
      pump('stderr', subprocess.stderr),
    ]);
    return {
      exitCode: result.exitCode,
      signal: result.signal,
      aborted,
      stdout: captured.stdout,
      stderr: captured.stderr,
      durationMs: performance.now() - started,
    };
  } finally {
    clearTimeout(killTimer);
    options.signal?.removeEventListener('abort', onAbort);
    // Anything the process left behind in its group goes with it.
    if (pid !== undefined && aborted) killProcessGroup(pid, 'SIGKILL');
  }
};

/** Sends a signal to a whole process group; a group that is already gone is not an error. */
export function killProcessGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export interface DaemonOptions {
  cwd?: string;
  /** Added to the inherited environment. */
  env?: Record<string, string>;
  /** Standard output and error are appended here. */
  logFile: string;
}

/**
 * Starts a long-lived program (a simulated BMC, dnsmasq) in its own session and process group, its output
 * appended to a file, and answers its pid. It outlives this process; stop it with `stopDaemon`.
 */
export async function startDaemon(
  file: string,
  args: readonly string[],
  options: DaemonOptions,
): Promise<number> {
  const log = await open(options.logFile, 'a');
  try {
    const subprocess = execa(file, args, {
      cwd: options.cwd,
      env: options.env,
      extendEnv: true,
      detached: true,
      cleanup: false,
      reject: false,
      stdin: 'ignore',
      // The file's descriptor itself, so the daemon writes there with no pipe through this process; execa's
      // types accept only literal descriptor numbers.
      stdout: log.fd as 3,
      stderr: log.fd as 3,
    });
    if (subprocess.pid === undefined) {
      const failed = await subprocess;
      throw new Error(`cannot start ${file}: ${failed.message}`);
    }
    subprocess.unref();
    // Its end is learnt by pid, not by this promise.
    subprocess.catch(() => undefined);
    return subprocess.pid;
  } finally {
    await log.close();
  }
}

/**
 * Stops a daemon's process group: SIGTERM, then SIGKILL once `graceMs` has passed. Answers when no member
 * of the group is alive (a zombie waiting for a lazy PID 1 counts as gone).
 */
export async function stopDaemon(pid: number, graceMs = 2000): Promise<void> {
  if (!killProcessGroup(pid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid)) {
    if (Date.now() > deadline) {
      killProcessGroup(pid, 'SIGKILL');
      if (Date.now() > deadline + graceMs) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
