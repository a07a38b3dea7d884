import type { EventRecord } from '../store/records.ts';

const COLOURS = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 } as const;
const MARKS: Record<string, string> = {
  succeeded: '✔',
  failed: '✘',
  skipped: '↷',
  cancelled: '■',
  interrupted: '!',
  'awaiting-approval': '?',
};

/**
 * Prints a run's events as they are stored: readable progress on a terminal (colours, marks, durations),
 * plain prefixed lines when piped.
 */
export class ProgressPrinter {
  readonly #cells = new Map<number, { name: string; started: number }>();

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly options: { quiet?: boolean } = {},
  ) {}

  #paint(colour: keyof typeof COLOURS, text: string): string {
    return this.out.isTTY ? `\x1b[${COLOURS[colour]}m${text}\x1b[0m` : text;
  }

  print = (events: readonly EventRecord[]): void => {
    let text = '';
    for (const event of events) text += this.#format(event);
    if (text) this.out.write(text);
  };

  #format(event: EventRecord): string {
    if (event.kind === 'status') return this.#status(event);
    if (event.kind === 'progress' || this.options.quiet) return '';
    const cell = event.step === null ? 'run' : (this.#cells.get(event.step)?.name ?? `step ${event.step}`);
    const prefix = this.out.isTTY ? this.#paint('dim', '  │ ') : `[${cell}] `;
    const lines = event.data.endsWith('\n') ? event.data.slice(0, -1) : event.data;
    const paint = (line: string) =>
      event.kind === 'stderr'
        ? this.#paint('red', line)
        : event.kind === 'log'
          ? this.#paint('blue', line)
          : line;
    return `${lines
      .split('\n')
      .map((line) => prefix + paint(line))
      .join('\n')}\n`;
  }

  #status(event: EventRecord): string {
    const data = JSON.parse(event.data) as {
      cell?: string;
      run?: string;
      status: string;
      error?: { code: string; message: string };
      attempt?: number;
      approved_by?: string;
      note?: string;
    };
    if (!data.cell || event.step === null) return '';
    if (data.status === 'running' && !this.#cells.has(event.step)) {
      this.#cells.set(event.step, { name: data.cell, started: Date.parse(event.ts) });
      return this.out.isTTY ? `${this.#paint('bold', `▶ ${data.cell}`)}\n` : `== ${data.cell}: running\n`;
    }
    if (data.status === 'running') {
      if (data.approved_by)
        return `${this.out.isTTY ? '  ' : `== ${data.cell}: `}approved by ${data.approved_by}${data.note ? `: ${data.note}` : ''}\n`;
      return data.attempt ? `${this.out.isTTY ? '  ' : `== ${data.cell}: `}attempt ${data.attempt}\n` : '';
    }
    const started = data.status === 'awaiting-approval' ? undefined : this.#cells.get(event.step)?.started;
    const took = started === undefined ? '' : ` (${((Date.parse(event.ts) - started) / 1000).toFixed(2)} s)`;
    const why = data.error ? `: ${data.error.message}` : '';
    if (!this.out.isTTY) return `== ${data.cell}: ${data.status}${took}${why}\n`;
    const colour = data.status === 'succeeded' ? 'green' : data.status === 'failed' ? 'red' : 'yellow';
    return `${this.#paint(colour, `${MARKS[data.status] ?? '·'} ${data.cell} ${data.status}`)}${this.#paint('dim', took)}${why}\n`;
  }
}
