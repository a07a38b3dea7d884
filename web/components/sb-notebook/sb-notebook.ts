import { Task, TaskStatus } from '@lit/task';
import DOMPurify from 'dompurify';
import { html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';
import { api, ApiError } from '../../api/api-client.ts';
import type { EventView } from '../../api/api-types.ts';
import { RunStreamController } from '../../controllers/run-stream-controller.ts';
import { NotebookState } from '../../lib/notebook-state.ts';
import { navigate, routeUrl } from '../../router.ts';
import type { SbOutput } from '../sb-output/sb-output.ts';
import type { ApproveRequestDetail, RunRequestDetail } from '../sb-cell-card/cell-events.ts';
import { notebookStyles } from './sb-notebook.styles.ts';

/**
 * A runbook opened on a datacentre: its prose and cells, and — once a cell runs — the run that records it,
 * followed live. The first Run creates the run and puts its id in the URL, so the page can be shared and
 * reloaded mid-run.
 */
@customElement('sb-notebook')
export class SbNotebook extends LitElement {
  static override styles = notebookStyles;

  @property() runbookId = '';
  @property() dc: string | undefined;
  @property() runId: string | undefined;
  @state() private _message: { kind: 'error' | 'info'; text: string } | undefined;

  readonly #state = new NotebookState();
  readonly #stream = new RunStreamController(this, (events) => this.#onEvents(events));

  #runbook = new Task(this, {
    task: ([id, dc]) => api.runbook(id!, dc),
    args: () => [this.runbookId, this.dc] as const,
  });
  #datacentres = new Task(this, { task: () => api.datacentres(), args: () => [] });
  #run = new Task(this, {
    task: async ([runId]) => {
      this.#stream.stop();
      if (!runId) {
        this.#state.load({ status: 'none', steps: [] } as never);
        return undefined;
      }
      const run = await api.run(runId);
      this.#state.load(run);
      this.#stream.follow(runId, run.last_seq ?? 0);
      return run;
    },
    args: () => [this.runId] as const,
  });

  #output(cell: string): SbOutput | null {
    return this.renderRoot.querySelector(`sb-output[data-cell="${CSS.escape(cell)}"]`);
  }

  #onEvents(events: EventView[]) {
    let ended = false;
    for (const event of events) {
      const { restarted, finished } = this.#state.apply(event);
      if (restarted) this.#output(restarted)?.reset();
      if (finished) ended = true;
      if (event.cell && (event.kind === 'stdout' || event.kind === 'stderr' || event.kind === 'log')) {
        this.#output(event.cell)?.push([event]);
      }
    }
    if (ended && this.runId) void this.#readResults(this.runId);
    this.requestUpdate();
  }

  #reading: Promise<void> | undefined;
  #readAgain = false;

  /**
   * Reads the run again for the results of steps that ended (status events do not carry them); steps ending
   * meanwhile cause one more read, not one each.
   */
  async #readResults(runId: string): Promise<void> {
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    this.#reading = (async () => {
      do {
        this.#readAgain = false;
        try {
          const run = await api.run(runId);
          if (run.id !== this.runId) return;
          this.#state.takeResults(run);
          this.requestUpdate();
        } catch {
          // The result shows after the next step ends, or on a reload.
        }
      } while (this.#readAgain);
    })();
    await this.#reading;
    this.#reading = undefined;
  }

  async #act(action: () => Promise<unknown>) {
    this._message = undefined;
    try {
      await action();
    } catch (error) {
      this._message = {
        kind: 'error',
        text: error instanceof ApiError ? `${error.body.message}` : String(error),
      };
    }
  }

  /** The current run, creating one (and putting it in the URL) on the first Run. */
  async #ensureRun(): Promise<string> {
    if (this.runId) return this.runId;
    if (!this.dc) throw new Error('choose a datacentre first');
    const run = await api.createRun(this.runbookId, this.dc);
    this.runId = run.id;
    navigate({ page: 'runbook', id: this.runbookId, dc: this.dc, run: run.id }, { replace: true });
    return run.id;
  }

  /**
   * A run's stream ends with a final status, but a notebook run can take more work: after starting an
   * execution, pick the stream up again from the last event already shown.
   */
  #follow(run: string) {
    if (this.#stream.state === 'ended' || this.#stream.state === 'idle')
      this.#stream.follow(run, this.#stream.last);
  }

  #onRun = (event: CustomEvent<RunRequestDetail>) =>
    this.#act(async () => {
      const run = await this.#ensureRun();
      if (event.detail.scope === 'cell') await api.executeCell(run, event.detail.cell);
      else await api.execute(run, event.detail.cell);
      this.#follow(run);
    });

  #onApprove = (event: CustomEvent<ApproveRequestDetail>) =>
    this.#act(() => api.approve(this.runId!, event.detail.cell, event.detail.note));

  #onCancel = () => this.#act(() => api.cancel(this.runId!));

  #runAll = () =>
    this.#act(async () => {
      const run = await this.#ensureRun();
      await api.execute(run);
      this.#follow(run);
    });

  #chooseDc(event: Event) {
    const dc = (event.target as HTMLSelectElement).value;
    navigate({ page: 'runbook', id: this.runbookId, dc, run: undefined });
  }

  override render() {
    return this.#runbook.render({
      pending: () => html`<p>Loading…</p>`,
      error: (error) => html`<p class="error" data-testid="notebook-error">${(error as Error).message}</p>`,
      complete: (runbook) => {
        const busy = ['running', 'awaiting-approval'].includes(this.#state.runStatus);
        return html`
          <div class="toolbar">
            <h1>${runbook.title}</h1>
            <label
              >Datacentre
              <select data-testid="notebook-dc" @change=${this.#chooseDc}>
                ${!this.dc ? html`<option value="" selected>choose…</option>` : nothing}
                ${(this.#datacentres.value ?? []).map((dc) => html`<option value=${dc.name} ?selected=${dc.name === this.dc}>${dc.name}</option>`)}
              </select>
            </label>
            <button
              class="primary"
              data-testid="run-all"
              ?disabled=${busy || !this.dc}
              @click=${this.#runAll}
            >
              Run all
            </button>
            ${
              this.runId
                ? html`<span class="badge" data-testid="run-status">${this.#state.runStatus}</span>
                    <a
                      href=${routeUrl({ page: 'run', id: this.runId, compare: undefined })}
                      data-testid="run-link"
                      >run ${this.runId.slice(-8)}</a
                    >
                    <a href=${routeUrl({ page: 'runbook', id: this.runbookId, dc: this.dc, run: undefined })}
                      >New run</a
                    >
                    ${this.#stream.state === 'reconnecting' ? html`<span class="badge warn">reconnecting…</span>` : nothing}`
                : nothing
            }
          </div>
          ${
            this.#run.status === TaskStatus.ERROR
              ? html`<div class="message error" data-testid="notebook-message">
                  run ${this.runId}: ${(this.#run.error as Error).message}
                </div>`
              : nothing
          }
          ${runbook.summary ? html`<p class="summary">${runbook.summary}</p>` : nothing}
          ${this._message ? html`<div class="message ${this._message.kind}" data-testid="notebook-message">${this._message.text}</div>` : nothing}
          <div
            @sb-run-request=${this.#onRun}
            @sb-approve-request=${this.#onApprove}
            @sb-cancel-request=${this.#onCancel}
          >
            ${runbook.blocks.map((block) =>
              block.kind === 'prose'
                ? html`<div class="prose" data-testid="prose">
                    ${unsafeHTML(DOMPurify.sanitize(block.html))}
                  </div>`
                : html`<sb-cell-card
                    data-testid="cell"
                    data-cell=${block.name}
                    .cell=${block}
                    .state=${this.#state.cell(block.name)}
                    ?busy=${busy}
                  >
                    ${
                      this.runId && this.#state.cells.has(block.name)
                        ? html`<sb-output
                            data-cell=${block.name}
                            .runId=${this.runId}
                            .cell=${block.name}
                          ></sb-output>`
                        : nothing
                    }
                  </sb-cell-card>`,
            )}
          </div>
        `;
      },
    });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-notebook': SbNotebook;
  }
}
