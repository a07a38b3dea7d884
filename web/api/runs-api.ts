/** The run calls the run pages need beyond `api`: the typed diff and every event of a run, page by page. */
import { api, call } from './api-client.ts';
import type { EventView, RunSummary } from './api-types.ts';

/** A cell's latest step in one run of a diff. */
export interface DiffSide {
  status: string;
  attempt: number;
  duration_ms: number | null;
  result: unknown;
  error: { code: string; message: string } | null;
  reused_from: string | null;
}

/** One cell of either run, side by side (server/report/run-diff.ts). */
export interface CellDiffView {
  cell: string;
  driver: string;
  /** Null when the cell has no step in that run. */
  a: DiffSide | null;
  b: DiffSide | null;
  status_changed: boolean;
  /** `b − a` in milliseconds; null unless both sides finished. */
  duration_changed_ms: number | null;
  result_changed: boolean;
  /** Normalised output compared line by line: unified-diff lines (`-`, `+`, `@@`, context). */
  output: { same: boolean; diff: string[] };
}

/** A parameter that differs: `run.params.*` or `dc.*`; secrets appear as `{ secret: NAME }`. */
export interface ParamChangeView {
  path: string;
  change: 'added' | 'removed' | 'changed';
  a: unknown;
  b: unknown;
}

/** `GET /api/runs/:a/diff?with=:b`. */
export interface RunDiffView {
  runs: { a: RunSummary; b: RunSummary };
  source_changed: boolean;
  params: ParamChangeView[];
  cells: CellDiffView[];
}

/** Events per request: merged output events reach 64 KiB, so a page stays within tens of MB. */
const PAGE = 2000;

const enc = encodeURIComponent;

/** Run calls with the types the run pages read. */
export const runsApi = {
  /** Two runs side by side. */
  diff: (a: string, b: string) => call<RunDiffView>('GET', `/api/runs/${enc(a)}/diff?with=${enc(b)}`),

  /**
   * Every stored event of a run after `after`, one page at a time, so a caller can fold each page into
   * what it keeps and let the rest go (a 200,000-line run is never held whole). Stops at a short page,
   * at `until` (a seq), or when `signal` aborts.
   */
  async *eventPages(
    run: string,
    options: { after?: number; until?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<EventView[]> {
    let after = options.after ?? 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const page = await api.events(run, after, PAGE);
      const wanted = options.until === undefined ? page : page.filter((e) => (e.seq ?? 0) <= options.until!);
      if (wanted.length) yield wanted;
      const last = page.at(-1)?.seq;
      if (page.length < PAGE || last == null || (options.until !== undefined && last >= options.until))
        return;
      after = last;
    }
  },
};
