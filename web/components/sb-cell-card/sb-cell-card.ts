import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { CellBlockView } from '../../api/api-types.ts';
import { emptyCellState, type CellState } from '../../lib/notebook-state.ts';
import '../sb-value-table/sb-value-table.ts';
import type { ApproveRequestDetail, RunRequestDetail } from './cell-events.ts';
import { statusColour } from '../../lib/format.ts';
import { TickerController } from '../sb-run-page/ticker-controller.ts';
import { cellCardStyles } from './sb-cell-card.styles.ts';

function duration(state: CellState, now: number): string {
  if (!state.startedAt) return '';
  const end = state.finishedAt ? Date.parse(state.finishedAt) : now;
  const seconds = Math.max(0, (end - Date.parse(state.startedAt)) / 1000);
  return seconds < 60
    ? `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`
    : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/**
 * One cell of a notebook: its driver, name, provenance, needs, the arguments it would run with (secrets
 * masked), its latest step's status, and the buttons to run, cancel or approve it. It renders state and
 * raises `sb-run-request`, `sb-cancel-request` and `sb-approve-request`; the notebook acts. Output goes in
 * its slot. Shift+Enter on a focused card runs it.
 *
 * @fires sb-run-request
 * @fires sb-cancel-request
 * @fires sb-approve-request
 */
@customElement('sb-cell-card')
export class SbCellCard extends LitElement {
  static override styles = cellCardStyles;

  @property({ attribute: false }) cell!: CellBlockView;
  @property({ attribute: false }) state: CellState = emptyCellState();
  /** True while the run executes anything: run buttons wait. */
  @property({ type: Boolean }) busy = false;
  @state() private _note = '';

  // A cell that runs without printing gets no events: its duration still counts up, once a second.
  readonly #clock = new TickerController(this, () => this.requestUpdate(), 1000);

  override connectedCallback(): void {
    super.connectedCallback();
    this.tabIndex = 0;
    this.addEventListener('keydown', this.#onKey);
  }

  override disconnectedCallback(): void {
    this.removeEventListener('keydown', this.#onKey);
    super.disconnectedCallback();
  }

  #onKey = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && event.shiftKey && !this.busy) {
      event.preventDefault();
      this.#run('cell');
    }
  };

  #emit<T>(type: string, detail: T) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  #run(scope: RunRequestDetail['scope']) {
    this.#emit<RunRequestDetail>('sb-run-request', { cell: this.cell.name, scope });
  }

  #approve() {
    this.#emit<ApproveRequestDetail>('sb-approve-request', { cell: this.cell.name, note: this._note });
    this._note = '';
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('state')) return;
    const { status, startedAt, finishedAt } = this.state;
    if (startedAt && !finishedAt && ['running', 'awaiting-approval'].includes(status)) this.#clock.start();
    else this.#clock.stop();
  }

  override updated(): void {
    this.style.setProperty('--status-colour', statusColour(this.state.status));
  }

  override render() {
    const { cell, state } = this;
    const needs = (cell.attrs.needs as string[] | string | undefined) ?? [];
    const running = state.status === 'running' || state.status === 'awaiting-approval';
    return html`
      <header>
        <span class="badge" data-testid="cell-driver">${cell.driver}</span>
        <span class="name" data-testid="cell-name">${cell.name}</span>
        <span
          class="badge ${cell.provenance.source}"
          title=${cell.provenance.file}
          data-testid="cell-provenance"
          >${cell.provenance.source === 'overlay' ? 'overlay' : 'base'}
          ${cell.provenance.file.split('/').pop()}:${cell.provenance.line}</span
        >
        ${[needs].flat().length ? html`<span class="badge">needs ${[needs].flat().join(', ')}</span>` : nothing}
        <span class="badge status" data-testid="cell-status">${state.status}</span>
        ${state.attempt > 1 ? html`<span class="badge" data-testid="cell-attempt">attempt ${state.attempt}</span>` : nothing}
        <span class="badge" data-testid="cell-duration">${duration(state, Date.now())}</span>
        <span class="spacer"></span>
        ${
          running
            ? html`<button
                data-testid="cancel"
                @click=${() => this.#emit('sb-cancel-request', { cell: cell.name })}
              >
                Cancel
              </button>`
            : html`<button
                  class="primary"
                  data-testid="run"
                  ?disabled=${this.busy}
                  title="Shift+Enter"
                  @click=${() => this.#run('cell')}
                >
                  Run
                </button>
                <button data-testid="run-from" ?disabled=${this.busy} @click=${() => this.#run('from')}>
                  Run from here
                </button>`
        }
      </header>
      <div class="body">
        ${
          state.status === 'awaiting-approval'
            ? html`<div class="approve" data-testid="approve-box">
                <span class="prompt">${state.prompt ?? 'This step waits for an operator.'}</span>
                <input
                  data-testid="approve-note"
                  placeholder="Note for the record"
                  .value=${this._note}
                  @input=${(event: Event) => (this._note = (event.target as HTMLInputElement).value)}
                  @keydown=${(event: KeyboardEvent) => event.key === 'Enter' && !event.shiftKey && this.#approve()}
                />
                <button class="primary" data-testid="approve" @click=${this.#approve}>Approve</button>
              </div>`
            : nothing
        }
        ${state.approvedBy ? html`<div>Approved by ${state.approvedBy}${state.approvalNote ? html`: “${state.approvalNote}”` : nothing}</div>` : nothing}
        ${state.error && state.status !== 'awaiting-approval' ? html`<div class="error" data-testid="cell-error">${state.error.message}</div>` : nothing}
        ${
          state.progress
            ? html`<label
                >${state.progress.label ?? ''} ${state.progress.done}/${state.progress.total}
                ${state.progress.unit ?? ''}
                <progress max=${state.progress.total} .value=${state.progress.done}></progress
              ></label>`
            : nothing
        }
        ${Object.keys(state.machines).length ? this.#machines() : nothing}
        <details>
          <summary>Source and arguments</summary>
          <pre data-testid="cell-source">${cell.source}</pre>
          ${
            cell.preview_error
              ? html`<div class="error">
                  line ${cell.preview_error.line ?? '?'}: ${cell.preview_error.message}
                </div>`
              : cell.preview !== null && cell.preview !== undefined
                ? html`<sb-value-table data-testid="cell-preview" .value=${cell.preview}></sb-value-table>`
                : nothing
          }
        </details>
        <slot></slot>
        ${
          // A fan-out that failed in part has a result too: what each machine did.
          ['succeeded', 'failed'].includes(state.status) && state.result !== null
            ? html`<details open>
                <summary>Result${state.reusedFrom ? ` (reused from ${state.reusedFrom})` : ''}</summary>
                <sb-value-table data-testid="cell-result" .value=${state.result}></sb-value-table>
              </details>`
            : nothing
        }
      </div>
    `;
  }

  #machines() {
    return html`<div class="machines" data-testid="machine-grid">
      ${Object.entries(this.state.machines).map(
        ([name, machine]) =>
          html`<div
            class="machine ${machine.error ? 'failed' : ''}"
            data-machine=${name}
            data-state=${machine.state}
          >
            <strong>${name}</strong> ${machine.state}
            ${machine.error ? html`<div class="error">${machine.error}</div>` : machine.message ? html`<div>${machine.message}</div>` : nothing}
          </div>`,
      )}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-cell-card': SbCellCard;
  }
}
