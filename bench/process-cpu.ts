import { statFields } from '../drivers/process-alive.ts';

/**
 * CPU seconds (user + system) of a process, from /proc: its own (`own`), or what its children that ended
 * and were waited for used (`children`); `self` is this process. Undefined when it cannot be read (the
 * process is gone).
 */
export function processCpu(pid: number | 'self', which: 'own' | 'children' = 'own'): number | undefined {
  const fields = statFields(pid);
  if (!fields) return undefined;
  // utime, stime, cutime, cstime, in clock ticks (USER_HZ, 100 on Linux).
  const [user, system] = which === 'own' ? [fields[11], fields[12]] : [fields[13], fields[14]];
  return (Number(user) + Number(system)) / 100;
}
