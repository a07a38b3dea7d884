/** How the web notebook writes durations, times and statuses, so every view reads the same. */

/** A colour per run or step status, shared by badges, timelines and diffs. */
export const STATUS_COLOURS: Readonly<Record<string, string>> = {
  succeeded: '#2e8540',
  failed: '#c0392b',
  running: '#1f6fd1',
  'awaiting-approval': '#d68910',
  cancelled: '#6c7a89',
  interrupted: '#8e44ad',
  skipped: '#95a5a6',
  pending: '#95a5a6',
};

/** Statuses after which a run takes no more work. */
export const FINAL_RUN_STATUSES: ReadonlySet<string> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'interrupted',
]);

/** The colour of a status; grey for anything unknown (e.g. "not run"). */
export function statusColour(status: string): string {
  return STATUS_COLOURS[status] ?? '#b4bfcb';
}

/** Whether a run with this status is still executing or may still take work. */
export function isLiveStatus(status: string): boolean {
  return !FINAL_RUN_STATUSES.has(status);
}

/** A duration as people read it: `450 ms`, `1.2 s`, `42 s`, `3 min 4 s`, `2 h 5 min`; `–` when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${(Math.floor(seconds * 10) / 10).toFixed(1)} s`;
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  const total = Math.floor(seconds);
  if (total < 3600) return `${Math.floor(total / 60)} min ${total % 60} s`;
  return `${Math.floor(total / 3600)} h ${Math.floor((total % 3600) / 60)} min`;
}

/** A change in duration with its sign (`+1.2 s`, `−300 ms`, `±0 ms`). */
export function formatDelta(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms === 0) return '±0 ms';
  return `${ms > 0 ? '+' : '−'}${formatDuration(Math.abs(ms))}`;
}

/** Milliseconds between two ISO times; a step still running counts up to `now`. Null before it started. */
export function durationBetween(
  startedAt: string | null,
  finishedAt: string | null,
  now: number = Date.now(),
): number | null {
  if (!startedAt) return null;
  const end = finishedAt ? Date.parse(finishedAt) : now;
  return Math.max(0, end - Date.parse(startedAt));
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** An ISO time in the browser's zone as `2026-11-25 05:24:13`; `–` when absent. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** A playback position as a clock: `0:04.2`, `12:30.0`, `1:02:03.0`. */
export function formatClock(ms: number): string {
  const tenths = Math.max(0, Math.floor(ms / 100));
  const seconds = Math.floor(tenths / 10);
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
  const tail = `${pad(s)}.${tenths % 10}`;
  return h ? `${h}:${pad(m)}:${tail}` : `${m}:${tail}`;
}

/** The last characters of a ULID, enough to tell runs apart in a list. */
export function shortId(id: string): string {
  return id.slice(-8);
}
