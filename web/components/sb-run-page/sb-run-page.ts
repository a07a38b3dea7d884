import { Task } from '@lit/task';
import { html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { api, ApiError } from '../../api/api-client.ts';
import type { EventView, RunView } from '../../api/api-types.ts';
import { RunStreamController } from '../../controllers/run-stream-controller.ts';
import { durationBetween, formatDuration, formatTime, isLiveStatus, shortId } from '../../lib/format.ts';
import { navigate, routeUrl } from '../../router.ts';
import '../sb-run-diff/sb-run-diff.ts';
import '../sb-status-badge/sb-status-badge.ts';
import type { PlaybackTimeDetail, ResumeRequestDetail } from './run-page-events.ts';
import './sb-run-playback.ts';
import { runControlStyles, runPageStyles } from './sb-run-page.styles.ts';
import './sb-run-steps.ts';
import './sb-run-timeline.ts';
import { TickerController } from './ticker-controller.ts';

const REPORTS = [
  ['md', 'Markdown'],
  ['html', 'HTML'],
  ['junit', 'JUnit XML'],
] as const;

/**
 * One recorded run: its header and report downloads, Replay and Resume-from-a-step, a timeline of its
 * steps, a playback of its events, and the steps table. A run still executing is followed live (the steps
 * refresh on each status event and running bars grow). With `compare`, the diff against that run follows.
 */
@customElement('sb-run-page')
export class SbRunPage extends LitElement {
  static override styles = [runControlStyles, runPageStyles];

  /** The run shown. */
  @property() runId = '';
  /** Another run to diff this one against (`/runs/<id>?compare=<other>`). */
  @property() compare: string | undefined;
  /** The latest copy of the run: the load's, then each refresh's. */
  @state() private _run: RunView | undefined;
  @state() private _message: string | undefined;
  @state() private _playhead: number | undefined;
  @state() private _now = Date.now();

  readonly #stream = new RunStreamController(this, (events) => this.#onEvents(events));
  // Running bars and durations grow once a second while the run executes.
  readonly #clock = new TickerController(this, () => (this._now = Date.now()), 1000);
  #refreshing: Promise<void> | undefined;
  #refreshAgain = false;

  #load = new Task(this, {
    task: async ([id]) => {
      this.#stream.stop();
      this.#clock.stop();
      this._message = undefined;
      this._playhead = undefined;
      const run = await api.run(id!);
      this.#show(run);
      if (isLiveStatus(run.status)) this.#stream.follow(run.id, run.last_seq ?? 0);
      return run;
    },
    args: () => [this.runId] as const,
  });

  #show(run: RunView) {
    if (run.id !== this.runId) return;
    this._run = run;
    this._now = Date.now();
    if (isLiveStatus(run.status)) this.#clock.start();
    else this.#clock.stop();
  }

  #onEvents(events: EventView[]) {
    if (events.some((event) => event.kind === 'status')) void this.#refresh();
  }

  /** Re-reads the run after a status event; events arriving meanwhile cause one more read, not one each. */
  async #refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return;
    }
    this.#refreshing = (async () => {
      do {
        this.#refreshAgain = false;
        try {
          this.#show(await api.run(this.runId));
        } catch (error) {
          this._message = (error as Error).message;
        }
      } while (this.#refreshAgain);
    })();
    await this.#refreshing;
    this.#refreshing = undefined;
  }

  async #replay(from?: string) {
    this._message = undefined;
    try {
      const run = await api.replay(this.runId, from);
      navigate({ page: 'run', id: run.id, compare: undefined });
    } catch (error) {
      this._message = error instanceof ApiError ? error.body.message : String(error);
    }
  }

  override render() {
    return this.#load.render({
      pending: () => (this._run?.id === this.runId ? this.#page(this._run) : html`<p>Loading run…</p>`),
      error: (error) =>
        html`<p class="message error" data-testid="run-error">${(error as Error).message}</p>`,
      complete: (loaded) => this.#page(this._run?.id === loaded.id ? this._run : loaded),
    });
  }

  #page(run: RunView) {
    const live = isLiveStatus(run.status);
    const duration = durationBetween(run.started_at, run.finished_at, this._now);
    const notebook = routeUrl({ page: 'runbook', id: run.runbook, dc: run.datacentre, run: run.id });
    return html`
      <header>
        <h1 data-testid="run-title">${run.title || run.runbook}</h1>
        <sb-status-badge data-testid="run-status" .status=${run.status}></sb-status-badge>
        ${this.#stream.state === 'reconnecting' ? html`<span class="muted">reconnecting…</span>` : nothing}
        ${this.#stream.state === 'live' ? html`<span class="muted">live</span>` : nothing}
      </header>
      <div class="facts">
        <span><b>run</b> <span class="mono">${run.id}</span></span>
        <span><b>runbook</b> ${run.runbook}</span>
        <span><b>datacentre</b> ${run.datacentre}</span>
        <span><b>mode</b> ${run.mode}</span>
        <span><b>started by</b> ${run.started_by}</span>
        <span><b>started</b> ${formatTime(run.started_at ?? run.created_at)}</span>
        <span><b>duration</b> <span data-testid="run-duration">${formatDuration(duration)}</span></span>
        ${
          run.parent
            ? html`<span
                ><b>${run.resumed_from ? `resumed from ${run.resumed_from} of` : 'replay of'}</b>
                <a
                  data-testid="parent-link"
                  href=${routeUrl({ page: 'run', id: run.parent, compare: undefined })}
                  >${shortId(run.parent)}</a
                >
                (<a href=${routeUrl({ page: 'run', id: run.parent, compare: run.id })}>diff</a>)</span
              >`
            : nothing
        }
      </div>
      <div class="actions">
        <button class="primary" data-testid="replay" ?disabled=${live} @click=${() => this.#replay()}>
          Replay
        </button>
        <a class="button" data-testid="open-notebook" href=${notebook}>Open in notebook</a>
        <span class="spacer"></span>
        <span class="muted">Report:</span>
        ${REPORTS.map(
          ([format, label]) =>
            html`<a
              class="button"
              download
              data-testid="report-${format}"
              href=${api.reportUrl(run.id, format)}
              >${label}</a
            >`,
        )}
      </div>
      ${this._message ? html`<div class="message error" data-testid="run-message">${this._message}</div>` : nothing}
      <div class="panel">
        <h2>Timeline</h2>
        <sb-run-timeline .run=${run} .now=${this._now} .playhead=${this._playhead}></sb-run-timeline>
      </div>
      <div class="panel">
        <h2>Playback</h2>
        <sb-run-playback
          .run=${run}
          @sb-playback-time=${(event: CustomEvent<PlaybackTimeDetail>) => (this._playhead = event.detail.at)}
        ></sb-run-playback>
      </div>
      <div class="panel">
        <h2>Steps</h2>
        <sb-run-steps
          .steps=${run.steps}
          .now=${this._now}
          ?busy=${live}
          @sb-resume-request=${(event: CustomEvent<ResumeRequestDetail>) => this.#replay(event.detail.cell)}
        ></sb-run-steps>
      </div>
      ${this.compare ? html`<sb-run-diff .a=${run.id} .b=${this.compare}></sb-run-diff>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-run-page': SbRunPage;
  }
}
