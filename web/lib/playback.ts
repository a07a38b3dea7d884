import type { EventView } from '../api/api-types.ts';
import { lastAtOrBefore, OutputTrack, type OutputLine } from './output-track.ts';

export type { OutputLine, OutputStream } from './output-track.ts';

/** 1× plays the recorded gaps between events in real time; `instant` jumps to the end. */
export type PlaybackSpeed = 1 | 10 | 'instant';

/** One cell as of the playback position. */
export interface PlaybackCellState {
  cell: string;
  /** `pending` until its first status event; a reused step starts as it was recorded. */
  status: string;
  attempt: number;
  error: string | null;
  reusedFrom: string | null;
  /** The current execution's output so far: its last `maxLines` lines at most. */
  lines: readonly OutputLine[];
  /** Earlier lines of the current execution that are not shown (not kept, or beyond `maxLines`). */
  hidden: number;
}

/** Everything a playback view renders. */
export interface PlaybackState {
  /** Milliseconds since the start of the run. */
  position: number;
  duration: number;
  playing: boolean;
  speed: PlaybackSpeed;
  runStatus: string;
  cells: PlaybackCellState[];
}

export interface PlaybackOptions {
  /** When the run started (epoch ms); the clock's zero. */
  start: number;
  /** When it finished (epoch ms); the last event's time when absent or earlier. */
  end?: number;
  /** The cells in the order to show them, with their state before any event (reused steps). */
  cells?: readonly { cell: string; status?: string; reusedFrom?: string | null }[];
  /** Output lines kept per cell (default 2,000): what the view can show of a cell at any moment. */
  maxLines?: number;
}

interface StatusMark {
  ts: number;
  status: string;
  attempt: number | undefined;
  error: string | null;
  /** A new execution of the cell began: its output starts afresh from this line. */
  restartAt: number | undefined;
}

interface CellTrack {
  initial: { status: string; reusedFrom: string | null };
  statuses: StatusMark[];
  output: OutputTrack;
}

/**
 * A recorded run played back: events in, then a clock (`play`, `pause`, `tick`, `seek`) and the state of
 * every cell as of the clock (`state`). No DOM and no timers: the view calls `tick` with the real time
 * that passed, so tests drive it by hand. Output is folded in as it arrives and only each cell's last
 * `maxLines` lines are kept, so a run of any length costs the same memory.
 */
export class Playback {
  readonly start: number;
  #end: number;
  #position = 0;
  #playing = false;
  #speed: PlaybackSpeed = 1;
  #lastTs: number;
  #lastSeq = 0;
  readonly #maxLines: number;
  readonly #cells = new Map<string, CellTrack>();
  readonly #runStatuses: { ts: number; status: string }[] = [];

  constructor(options: PlaybackOptions) {
    this.start = options.start;
    this.#end = Math.max(options.end ?? options.start, options.start);
    this.#lastTs = options.start;
    this.#maxLines = options.maxLines ?? 2000;
    for (const { cell, status, reusedFrom } of options.cells ?? [])
      this.#track(cell).initial = { status: status ?? 'pending', reusedFrom: reusedFrom ?? null };
  }

  get duration(): number {
    return this.#end - this.start;
  }

  get position(): number {
    return this.#position;
  }

  get playing(): boolean {
    return this.#playing;
  }

  get speed(): PlaybackSpeed {
    return this.#speed;
  }

  /** Folds recorded events in, in seq order; events already added (by seq) are ignored. */
  add(events: readonly EventView[]): void {
    for (const event of events) {
      if (event.seq !== null) {
        if (event.seq <= this.#lastSeq) continue;
        this.#lastSeq = event.seq;
      }
      // Clamped to never go back, so every per-cell list stays sorted by time for binary search.
      const ts = Math.max(Date.parse(event.ts) || this.#lastTs, this.#lastTs);
      this.#lastTs = ts;
      this.#end = Math.max(this.#end, ts);
      if (event.kind === 'status') this.#status(event, ts);
      else if (event.cell && event.kind !== 'progress')
        this.#track(event.cell).output.add(ts, event.kind, event.data);
    }
    for (const track of this.#cells.values()) track.output.trim();
  }

  play(): void {
    if (this.#position >= this.duration) this.#position = 0;
    if (this.#speed === 'instant') this.#position = this.duration;
    else this.#playing = true;
  }

  pause(): void {
    this.#playing = false;
  }

  setSpeed(speed: PlaybackSpeed): void {
    this.#speed = speed;
    if (speed === 'instant' && this.#playing) {
      this.#position = this.duration;
      this.#playing = false;
    }
  }

  /** Moves the clock to `ms` after the start (clamped to the run); playing or paused stays as it was. */
  seek(ms: number): void {
    this.#position = Math.min(Math.max(0, Number.isFinite(ms) ? ms : 0), this.duration);
  }

  /** Advances a playing clock by `elapsedMs` of real time at the current speed; true when it moved. */
  tick(elapsedMs: number): boolean {
    if (!this.#playing || elapsedMs <= 0) return false;
    const step = this.#speed === 'instant' ? Infinity : elapsedMs * this.#speed;
    this.#position = Math.min(this.#position + step, this.duration);
    if (this.#position >= this.duration) this.#playing = false;
    return true;
  }

  /** The run and every cell as of the clock. */
  get state(): PlaybackState {
    const at = this.start + this.#position;
    const run = lastAtOrBefore(this.#runStatuses, at);
    return {
      position: this.#position,
      duration: this.duration,
      playing: this.#playing,
      speed: this.#speed,
      runStatus: run?.status ?? 'pending',
      cells: [...this.#cells].map(([cell, track]) => this.#cellAt(cell, track, at)),
    };
  }

  #cellAt(cell: string, track: CellTrack, at: number): PlaybackCellState {
    const seen = track.statuses.filter((mark) => mark.ts <= at);
    // Only the latest execution counts: a re-run's status, attempt and error start afresh.
    const begin = seen.findLastIndex((mark) => mark.restartAt !== undefined);
    const marks = begin < 0 ? seen : seen.slice(begin);
    const restart = begin < 0 ? undefined : marks[0];
    const latest = marks.at(-1);
    const { lines, hidden } = track.output.at(at, restart?.restartAt ?? 0, this.#maxLines);
    return {
      cell,
      status: latest?.status ?? track.initial.status,
      attempt: marks.findLast((mark) => mark.attempt !== undefined)?.attempt ?? (latest ? 1 : 0),
      error: marks.findLast((mark) => mark.error !== null)?.error ?? null,
      reusedFrom: restart ? null : track.initial.reusedFrom,
      lines,
      hidden,
    };
  }

  #status(event: EventView, ts: number): void {
    const data = JSON.parse(event.data) as {
      status: string;
      attempt?: number;
      approved_by?: string;
      error?: { code: string; message: string };
    };
    if (!event.cell) {
      this.#runStatuses.push({ ts, status: data.status });
      return;
    }
    const track = this.#track(event.cell);
    // As in NotebookState: `running` without an attempt or an approval is a new execution, not a retry.
    const fresh = data.status === 'running' && !data.attempt && !data.approved_by;
    track.statuses.push({
      ts,
      status: data.status,
      attempt: fresh ? 1 : data.attempt,
      error: data.error ? `${data.error.code}: ${data.error.message}` : null,
      restartAt: fresh ? track.output.restart() : undefined,
    });
  }

  #track(cell: string): CellTrack {
    let track = this.#cells.get(cell);
    if (!track) {
      track = {
        initial: { status: 'pending', reusedFrom: null },
        statuses: [],
        output: new OutputTrack(this.#maxLines),
      };
      this.#cells.set(cell, track);
    }
    return track;
  }
}
