import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { StepView } from '../../api/api-types.ts';
import { durationBetween, formatDuration, shortId } from '../../lib/format.ts';
import { routeUrl } from '../../router.ts';
import '../sb-status-badge/sb-status-badge.ts';
import '../sb-value-table/sb-value-table.ts';
import { emit, type ResumeRequestDetail } from './run-page-events.ts';
import { runControlStyles } from './sb-run-page.styles.ts';

/**
 * A run's steps as a table: status, attempt, duration, typed result (as tables, not JSON), error, who
 * approved it and why, and the run a reused result came from. Each row offers "Resume from here".
 *
 * @fires sb-resume-request - replay the run from this step's cell
 */
@customElement('sb-run-steps')
export class SbRunSteps extends LitElement {
  static override styles = [
    runControlStyles,
    css`
      td.result {
        min-width: 12rem;
      }
      td.cell {
        font-weight: 600;
        white-space: nowrap;
      }
      .note {
        display: block;
        color: #5b6775;
        font-style: italic;
      }
      .scroll {
        container-type: inline-size;
      }
      /* Narrow: a card per step, each value under its label, so "Resume from here" stays in view instead of
         in the tenth column of a table that scrolls sideways. */
      @container (max-width: 560px) {
        table.grid thead {
          display: none;
        }
        table.grid,
        table.grid tbody,
        table.grid tr {
          display: block;
        }
        table.grid tr {
          border-bottom: 1px solid #d8dee6;
          padding: 0.4rem 0;
        }
        table.grid td {
          display: flex;
          gap: 0.6rem;
          align-items: baseline;
          border: 0;
          padding: 0.12rem 0;
          min-width: 0;
        }
        table.grid td::before {
          content: attr(data-label);
          flex: 0 0 6.5rem;
          color: #5b6775;
          font-size: 0.88em;
          font-weight: 400;
        }
        table.grid td.blank {
          display: none;
        }
        td.result {
          min-width: 0;
        }
        td.result sb-value-table {
          min-width: 0;
        }
      }
    `,
  ];

  @property({ attribute: false }) steps: readonly StepView[] = [];
  /** Epoch ms a running step's duration counts up to. */
  @property({ attribute: false }) now = Date.now();
  /** While the run executes, resuming waits. */
  @property({ type: Boolean }) busy = false;

  #resume(cell: string) {
    emit<ResumeRequestDetail>(this, 'sb-resume-request', { cell });
  }

  override render() {
    if (!this.steps.length) return html`<p class="muted">No step has run yet.</p>`;
    return html`<div class="scroll">
      <table class="grid">
        <thead>
          <tr>
            <th>#</th>
            <th>Cell</th>
            <th>Status</th>
            <th>Attempt</th>
            <th>Duration</th>
            <th>Result</th>
            <th>Error</th>
            <th>Approved by</th>
            <th>Reused from</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          ${this.steps.map((step) => this.#row(step))}
        </tbody>
      </table>
    </div>`;
  }

  #row(step: StepView) {
    const duration = durationBetween(step.started_at, step.finished_at, this.now);
    const noResult = step.result === null || step.result === undefined;
    const approved = step.approved_by || step.approval_note;
    return html`<tr data-testid="step-row" data-cell=${step.cell}>
      <td data-label="#">${step.seq}</td>
      <td class="cell" data-label="Cell">${step.cell} <span class="muted">${step.driver}</span></td>
      <td data-label="Status">
        <sb-status-badge data-testid="step-status" .status=${step.status}></sb-status-badge>
      </td>
      <td data-label="Attempt">${step.attempt}</td>
      <td data-label="Duration">${formatDuration(duration)}</td>
      <td class="result ${noResult ? 'blank' : ''}" data-label="Result">
        ${noResult ? html`<span class="muted">–</span>` : html`<sb-value-table .value=${step.result}></sb-value-table>`}
      </td>
      <td class="error ${step.error ? '' : 'blank'}" data-label="Error">
        ${step.error ? html`<span class="mono">${step.error.code}</span> ${step.error.message}` : nothing}
      </td>
      <td class=${approved ? '' : 'blank'} data-label="Approved by">
        ${step.approved_by ?? nothing}
        ${step.approval_note ? html`<span class="note">“${step.approval_note}”</span>` : nothing}
      </td>
      <td class=${step.reused_from ? '' : 'blank'} data-label="Reused from">
        ${
          step.reused_from
            ? html`<a href=${routeUrl({ page: 'run', id: step.reused_from, compare: undefined })}
                >${shortId(step.reused_from)}</a
              >`
            : nothing
        }
      </td>
      <td data-label="">
        <button
          data-testid="resume"
          data-cell=${step.cell}
          title="A new run from this run's snapshot, reusing the results of the cells before this one"
          ?disabled=${this.busy}
          @click=${() => this.#resume(step.cell)}
        >
          Resume from here
        </button>
      </td>
    </tr>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-run-steps': SbRunSteps;
  }
}
