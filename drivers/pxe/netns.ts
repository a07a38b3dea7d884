import { exec } from '../exec.ts';

const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A failed `ip` command, with its own message. */
export class NetworkCommandError extends Error {
  readonly code = 'NETWORK_COMMAND_FAILED';
  constructor(
    readonly command: string[],
    readonly stderr: string,
  ) {
    super(`${command.join(' ')}: ${stderr.trim() || 'failed'}`);
    this.name = 'NetworkCommandError';
  }
}

/** A network namespace's name as `ip netns` keeps it (a file under /run/netns). */
export function assertNamespace(name: string): string {
  if (typeof name !== 'string' || !NAMESPACE.test(name))
    throw new Error(`not a network namespace name: ${JSON.stringify(name)}`);
  return name;
}

/**
 * The program and arguments that run `file args` inside `namespace`, or unchanged without one. `ip netns exec`
 * replaces itself with the program, so the pid started is the program's own and stopping it stops the program.
 */
export function inNamespace(
  namespace: string | undefined,
  file: string,
  args: readonly string[],
): [string, string[]] {
  if (namespace === undefined) return [file, [...args]];
  return ['ip', ['netns', 'exec', assertNamespace(namespace), file, ...args]];
}

/** Runs `ip [-n NAMESPACE] ARGS` and answers its output; a failure throws with ip's message. */
export async function ip(
  args: readonly string[],
  options: { namespace?: string; signal?: AbortSignal } = {},
): Promise<string> {
  const full = [
    ...(options.namespace === undefined ? [] : ['-n', assertNamespace(options.namespace)]),
    ...args,
  ];
  const result = await exec('ip', full, { capture: 1 << 20, signal: options.signal });
  if (result.exitCode !== 0) throw new NetworkCommandError(['ip', ...full], result.stderr);
  return result.stdout;
}

/** `ip -j` output, parsed. */
export async function ipJson<T>(args: readonly string[], options: { namespace?: string } = {}): Promise<T> {
  const text = await ip(['-j', ...args], options);
  return JSON.parse(text.trim() || '[]') as T;
}
