import { z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { latestSteps, recordedStep } from '../../engine/latest-steps.ts';
import { cellsOf } from '../../runbook/types.ts';
import { StackbookError } from '../../stackbook-error.ts';
import type { EventKind } from '../../store/records.ts';
import type { Store } from '../../store/store.ts';
import { errors, json, RunCellParams } from '../schemas.ts';
import { apiRoute } from '../api-route.ts';

type Stream = 'stdout' | 'stderr' | 'log';
/** One numbered output line; `text` is verbatim (ANSI escapes included). */
export interface OutputLine {
  n: number;
  stream: Stream;
  text: string;
}

const OUTPUT = "kind IN ('stdout', 'stderr', 'log')";
type LastEvent = { seq: number; kind: Stream; lines: number; closed: number };

const LineSchema = z.object({ n: z.number(), stream: z.enum(['stdout', 'stderr', 'log']), text: z.string() });
const LinesSchema = z
  .object({
    cell: z.string(),
    step: z.number().nullable(),
    from: z.number(),
    total: z.number(),
    last_seq: z.number(),
    open: z.enum(['stdout', 'stderr', 'log']).nullable(),
    lines: z.array(LineSchema),
  })
  .openapi('OutputLines');

const route = apiRoute({
  method: 'get',
  path: '/api/runs/{id}/cells/{name}/lines',
  summary: "A page of the output lines of a cell's latest step, by line number",
  tags: ['runs'],
  request: {
    params: RunCellParams,
    query: z.strictObject({
      from: z.coerce.number().int().min(0).optional(),
      count: z.coerce.number().int().min(1).max(5000).default(500),
    }),
  },
  responses: {
    200: json(
      'Lines from..from+count of the step (without `from`: the page of `count` lines holding the last); `total` lines ' +
        'so far, counted up to the event `last_seq`, after which a live view applies streamed events; `open` names ' +
        'the stream whose unterminated line is the last, which its next chunk continues',
      LinesSchema,
    ),
    ...errors(400, 404),
  },
});

/** GET /api/runs/:id/cells/:name/lines?from=N&count=M */
export function registerListLines(app: App): void {
  app.openapi(route, async (c) => {
    const { store, engine } = c.var.services;
    const { id, name } = c.req.valid('param');
    const { from, count } = c.req.valid('query');
    const run = await engine.getRun(id);
    if (!cellsOf(run.effective).some((cell) => cell.name === name))
      throw new StackbookError('NOT_FOUND', `run ${id} has no cell '${name}'`);
    const step = latestSteps(await store.listSteps(id)).get(name);
    const source = step && (await recordedStep(store, step));
    const empty = { cell: name, step: step?.seq ?? null, from: from ?? 0, total: 0, last_seq: 0, open: null };
    if (!source) return c.json({ ...empty, lines: [] }, 200);
    const page = await new StepLines(store, source.run, source.seq).page(from, count);
    return c.json({ ...empty, ...page }, 200);
  });
}

/**
 * A step's output read as numbered lines. A line is numbered by the event holding its `\n`, counting in seq
 * order across stdout, stderr and log; its text may begin in earlier events of its stream (a prompt released
 * before its newline). The last event's unterminated tail is one more line.
 */
class StepLines {
  constructor(
    private readonly store: Store,
    private readonly run: string,
    private readonly step: number,
  ) {}

  async page(
    from: number | undefined,
    count: number,
  ): Promise<{ from: number; total: number; last_seq: number; open: Stream | null; lines: OutputLine[] }> {
    const { db } = this.store;
    const last = await db.get<LastEvent>(
      `SELECT seq, kind, lines, substr(data, -1) = char(10) AS closed FROM events INDEXED BY events_lines
       WHERE run = ? AND step = ? AND ${OUTPUT} ORDER BY seq DESC LIMIT 1`,
      [this.run, this.step],
    );
    if (!last) return { from: from ?? 0, total: 0, last_seq: 0, open: null, lines: [] };
    // Everything below reads as of `last.seq`, so total, lines and last_seq agree while more is written.
    const sum = await db.get<{ n: number }>(
      'SELECT COALESCE(SUM(lines), 0) AS n FROM events WHERE run = ? AND step = ? AND seq <= ?',
      [this.run, this.step, last.seq],
    );
    const complete = sum?.n ?? 0;
    const total = complete + (last.closed ? 0 : 1);
    const start = from ?? Math.floor(Math.max(total - 1, 0) / count) * count;
    const end = Math.min(start + count, total);
    const lines = start < end ? await this.#read(start, end, complete, last) : [];
    return { from: start, total, last_seq: last.seq, open: last.closed ? null : last.kind, lines };
  }

  async #read(from: number, end: number, complete: number, last: LastEvent) {
    // The running sum over the covering index finds the events holding the lines' newlines, no text read.
    const touching = await this.store.db.all<{ seq: number; first: number }>(
      `SELECT seq, first FROM (
         SELECT seq, lines, SUM(lines) OVER (ORDER BY seq) - lines AS first FROM events
         WHERE run = ? AND step = ? AND seq <= ?)
       WHERE lines > 0 AND first < ? AND first + lines > ? ORDER BY seq`,
      [this.run, this.step, last.seq, end, from],
    );
    const wantsOpen = complete >= from && complete < end;
    const lo = touching[0]?.seq ?? last.seq;
    const hi = wantsOpen ? last.seq : (touching.at(-1)?.seq ?? last.seq);
    const events = await this.store.db.all<{ seq: number; kind: Stream; data: string }>(
      `SELECT seq, kind, data FROM events WHERE run = ? AND step = ? AND seq BETWEEN ? AND ? AND ${OUTPUT}
       ORDER BY seq`,
      [this.run, this.step, lo, hi],
    );
    // Each stream's unterminated text so far; `before` marks text that starts before `lo`, read only if needed.
    const carry = new Map<Stream, { text: string; before?: number }>();
    const resolve = async (stream: Stream) => {
      const open = carry.get(stream)!;
      if (open.before !== undefined) open.text = (await this.#tail(stream, open.before)) + open.text;
      open.before = undefined;
      return open.text;
    };
    const lines: OutputLine[] = [];
    let n = touching[0]?.first ?? complete - last.lines;
    for (const event of events) {
      if (!carry.has(event.kind)) carry.set(event.kind, { text: '', before: event.seq });
      const pieces = event.data.split('\n');
      const terminated = pieces.length - 1;
      for (let i = 0; i < terminated; i++, n++) {
        if (n < from || n >= end) continue;
        const text = i === 0 ? (await resolve(event.kind)) + pieces[0] : pieces[i]!;
        lines.push({ n, stream: event.kind, text });
      }
      const open = carry.get(event.kind)!;
      if (terminated > 0) carry.set(event.kind, { text: pieces[terminated]! });
      else open.text += pieces[0];
    }
    if (wantsOpen) lines.push({ n: complete, stream: last.kind, text: await resolve(last.kind) });
    return lines;
  }

  /** The text after the last newline of `stream` before `seq`: the start of a line continued at `seq`. */
  async #tail(stream: EventKind, seq: number): Promise<string> {
    let text = '';
    for (let before = seq; ;) {
      const rows = await this.store.db.all<{ seq: number; data: string }>(
        `SELECT seq, data FROM events INDEXED BY events_lines
         WHERE run = ? AND step = ? AND kind = ? AND seq < ? ORDER BY seq DESC LIMIT 8`,
        [this.run, this.step, stream, before],
      );
      for (const row of rows) {
        const newline = row.data.lastIndexOf('\n');
        if (newline >= 0) return row.data.slice(newline + 1) + text;
        text = row.data + text;
      }
      if (rows.length < 8) return text;
      before = rows.at(-1)!.seq;
    }
  }
}
