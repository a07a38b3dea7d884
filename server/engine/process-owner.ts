import { readFileSync } from 'node:fs';
import { groupMembers, statFields } from '../../drivers/process-alive.ts';

/** The start time of a process in clock ticks since boot, which tells a live pid from a reused one. */
function startTime(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

let ownOwner: string | undefined;

/** `pid:starttime` of this process: the owner written on runs it executes (read once: it never changes). */
export function currentOwner(): string {
  return (ownOwner ??= `${process.pid}:${startTime(process.pid) ?? '0'}`);
}

/** Whether the process that wrote `owner` is still the same live process. */
export function isOwnerAlive(owner: string): boolean {
  const [pid, start] = owner.split(':');
  return startTime(Number(pid)) === start;
}

/** Whether process `pid` carries the given STACKBOOK_STEP marker (so it is ours to kill, not a reused pid). */
function carriesMarker(pid: string, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`STACKBOOK_STEP=${marker}`);
  } catch {
    return false;
  }
}

/**
 * Whether some live member of process group `pgid` carries the marker. The group's leader (the cell's
 * shell) may be gone while its children live on, so every process is looked at, not just the leader.
 */
export function groupCarriesMarker(pgid: number, marker: string): boolean {
  return groupMembers(pgid).some((pid) => carriesMarker(String(pid), marker));
}
