import { Task } from '@lit/task';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { RunView } from '../../api/api-types.ts';
import { runsApi } from '../../api/runs-api.ts';
import { formatClock, isLiveStatus } from '../../lib/format.ts';
import { Playback, type OutputLine, type PlaybackCellState, type PlaybackSpeed } from '../../lib/playback.ts';
import '../sb-status-badge/sb-status-badge.ts';
import { emit, type PlaybackTimeDetail } from './run-page-events.ts';
import { runControlStyles } from './sb-run-page.styles.ts';
import { TickerController } from './ticker-controller.ts';

/** Consecutive lines of one stream, rendered as one block (2,000 lines cost a few nodes, not 2,000). */
function runsOf(lines: readonly OutputLine[]): { stream: string; text: string }[] {
  const runs: { stream: string; text: string }[] = [];
  for (const line of lines) {
    const last = runs.at(-1);
    if (last?.stream === line.stream) last.text += `\n${line.text}`;
    else runs.push({ stream: line.stream, text: line.text });
  }
  return runs;
}

/**
 * Plays a finished run back from its recorded events: each cell's status and output as of a moment, at
 * real speed (1×), ten times faster, or at once, with a scrubber over the run's span. The clock and state
 * live in `Playback`; this renders them and turns the clock with a ticker.
 *
 * @fires sb-playback-time - the moment shown changed (for a playhead on the timeline)
 */
@customElement('sb-run-playback')
export class SbRunPlayback extends LitElement {
  static override styles = [
    runControlStyles,
    css`
      .controls {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 0.8rem;
        align-items: center;
        margin-bottom: 0.6rem;
      }
      input[type='range'] {
        flex: 1 1 14rem;
        min-width: 8rem;
      }
      .clock {
        font-variant-numeric: tabular-nums;
      }
      section {
        border-top: 1px solid #e3e8ee;
        padding: 0.4rem 0;
      }
      section h3 {
        font-size: 0.95em;
        margin: 0 0 0.3rem;
        display: flex;
        gap: 0.6rem;
        align-items: center;
        flex-wrap: wrap;
      }
      /* Blocks of lines with white-space: pre, so the template's own whitespace never shows. */
      .output {
        margin: 0;
        max-height: 14rem;
        overflow: auto;
        background: #0f1720;
        color: #d8e1ea;
        padding: 0.4rem 0.6rem;
        border-radius: 4px;
        font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
        font-size: 0.85em;
      }
      .output > div {
        white-space: pre;
      }
      .output > .note {
        white-space: normal;
        font-style: italic;
      }
      .output .stderr {
        color: #ff9b8f;
      }
      .output .log {
        color: #8fb8ff;
      }
    `,
  ];

  /** The run to play back; its events load once it has finished. */
  @property({ attribute: false }) run: RunView | undefined;
  @state() private _loaded = 0;

  readonly #ticker = new TickerController(this, (elapsed) => this.#advance(elapsed), 50);

  #playback = new Task(this, {
    task: async ([id, finished], { signal }) => {
      this.#ticker.stop();
      const run = this.run;
      if (!id || !finished || !run) return undefined;
      const seen = new Set<string>();
      const playback = new Playback({
        start: Date.parse(run.started_at ?? run.created_at),
        end: run.finished_at ? Date.parse(run.finished_at) : undefined,
        cells: run.steps
          .filter((step) => !seen.has(step.cell) && seen.add(step.cell))
          .map((step) => ({
            cell: step.cell,
            status: step.reused_from ? step.status : 'pending',
            reusedFrom: step.reused_from,
          })),
      });
      this._loaded = 0;
      for await (const page of runsApi.eventPages(id, { until: run.last_seq, signal })) {
        playback.add(page);
        this._loaded += page.length;
      }
      this.#announce(playback);
      return playback;
    },
    args: () => [this.run?.id, Boolean(this.run && !isLiveStatus(this.run.status))] as const,
  });

  #advance(elapsed: number) {
    const playback = this.#playback.value;
    if (!playback?.tick(elapsed)) return;
    if (!playback.playing) this.#ticker.stop();
    this.#announce(playback);
  }

  #announce(playback: Playback) {
    emit<PlaybackTimeDetail>(this, 'sb-playback-time', { at: playback.start + playback.position });
    this.requestUpdate();
  }

  #toggle(playback: Playback) {
    if (playback.playing) playback.pause();
    else playback.play();
    if (playback.playing) this.#ticker.start();
    else this.#ticker.stop();
    this.#announce(playback);
  }

  #speed(playback: Playback, event: Event) {
    const value = (event.target as HTMLSelectElement).value;
    playback.setSpeed(value === 'instant' ? 'instant' : (Number(value) as PlaybackSpeed));
    if (!playback.playing) this.#ticker.stop();
    this.#announce(playback);
  }

  #seek(playback: Playback, event: Event) {
    playback.seek(Number((event.target as HTMLInputElement).value));
    this.#announce(playback);
  }

  override render() {
    if (this.run && isLiveStatus(this.run.status))
      return html`<p class="muted">Playback opens once the run has finished; it is followed live above.</p>`;
    return this.#playback.render({
      pending: () =>
        html`<p class="muted" data-testid="playback-loading">Loading events… ${this._loaded}</p>`,
      error: (error) => html`<p class="message error">${(error as Error).message}</p>`,
      complete: (playback) => (playback ? this.#view(playback) : nothing),
    });
  }

  #view(playback: Playback) {
    const state = playback.state;
    return html`
      <div class="controls">
        <button class="primary" data-testid="play" @click=${() => this.#toggle(playback)}>
          ${state.playing ? 'Pause' : 'Play'}
        </button>
        <label
          >Speed
          <select data-testid="speed" @change=${(event: Event) => this.#speed(playback, event)}>
            ${(['1', '10', 'instant'] as const).map(
              (value) =>
                html`<option value=${value} ?selected=${String(state.speed) === value}>
                  ${value === 'instant' ? 'instant' : `${value}×`}
                </option>`,
            )}
          </select>
        </label>
        <input
          type="range"
          data-testid="scrubber"
          aria-label="Playback position"
          min="0"
          max=${state.duration}
          step="1"
          .value=${String(Math.round(state.position))}
          @input=${(event: Event) => this.#seek(playback, event)}
        />
        <span class="clock" data-testid="playback-clock"
          >${formatClock(state.position)} / ${formatClock(state.duration)}</span
        >
        <sb-status-badge data-testid="playback-run-status" .status=${state.runStatus}></sb-status-badge>
      </div>
      ${state.cells.map((cell) => this.#cell(cell))}
    `;
  }

  #cell(cell: PlaybackCellState) {
    return html`<section data-testid="playback-cell" data-cell=${cell.cell}>
      <h3>
        ${cell.cell}
        <sb-status-badge data-testid="playback-status" .status=${cell.status}></sb-status-badge>
        ${cell.attempt > 1 ? html`<span class="muted">attempt ${cell.attempt}</span>` : nothing}
        ${cell.reusedFrom ? html`<span class="muted">reused</span>` : nothing}
        ${cell.error ? html`<span class="error">${cell.error}</span>` : nothing}
      </h3>
      ${
        cell.lines.length || cell.hidden
          ? html`<div class="output" data-testid="playback-output">
              ${
                cell.hidden
                  ? html`<div class="log note">
                      … ${cell.hidden} earlier lines not shown (the report has them all)
                    </div>`
                  : nothing
              }
              ${runsOf(cell.lines).map((run) => html`<div class=${run.stream}>${run.text}</div>`)}
            </div>`
          : nothing
      }
    </section>`;
  }

  #shownAt = -1;

  override updated(): void {
    // When the moment shown moves (playing or scrubbing), each output follows its newest line, as a
    // terminal would; reading back through a paused output is left alone.
    const position = this.#playback.value?.position;
    if (position === undefined || position === this.#shownAt) return;
    this.#shownAt = position;
    for (const output of this.renderRoot.querySelectorAll('.output')) output.scrollTop = output.scrollHeight;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-run-playback': SbRunPlayback;
  }
}
