import { readFileSync } from 'node:fs';

/** Whether a process lives; a zombie (dead, not yet reaped by a lazy PID 1) counts as dead. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
