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
    return html`<tr data-testid="step-row" data-cell=${step.cell}>
      <td>${step.seq}</td>
      <td class="cell">${step.cell} <span class="muted">${step.driver}</span></td>
      <td><sb-status-badge data-testid="step-status" .status=${step.status}></sb-status-badge></td>
      <td>${step.attempt}</td>
      <td>${formatDuration(duration)}</td>
      <td class="result">
        ${
          step.result === null || step.result === undefined
            ? html`<span class="muted">–</span>`
            : html`<sb-value-table .value=${step.result}></sb-value-table>`
        }
      </td>
      <td class="error">
        ${step.error ? html`<span class="mono">${step.error.code}</span> ${step.error.message}` : nothing}
      </td>
      <td>
        ${step.approved_by ?? nothing}
        ${step.approval_note ? html`<span class="note">“${step.approval_note}”</span>` : nothing}
      </td>
      <td>
        ${
          step.reused_from
            ? html`<a href=${routeUrl({ page: 'run', id: step.reused_from, compare: undefined })}
                >${shortId(step.reused_from)}</a
              >`
            : nothing
        }
      </td>
      <td>
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
