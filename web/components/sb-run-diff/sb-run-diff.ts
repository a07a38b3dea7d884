import { Task } from '@lit/task';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { RunSummary } from '../../api/api-types.ts';
import { runsApi, type RunDiffView } from '../../api/runs-api.ts';
import { durationBetween, formatDuration, formatTime, shortId } from '../../lib/format.ts';
import { routeUrl } from '../../router.ts';
import { runControlStyles } from '../sb-run-page/sb-run-page.styles.ts';
import '../sb-status-badge/sb-status-badge.ts';
import '../sb-value-table/sb-value-table.ts';
import './sb-run-diff-cell.ts';

/** A parameter's value as text: secrets by name, objects as JSON, absence as a dash. */
function paramText(value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'object' && value && 'secret' in value && Object.keys(value).length === 1)
    return `«secret ${String((value as { secret: unknown }).secret)}»`;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Two runs side by side (`GET /api/runs/:a/diff?with=:b`): their headers, whether the runbook source
 * changed, the parameters that differ, and per cell the status, duration, result and normalised output
 * of a against b.
 */
@customElement('sb-run-diff')
export class SbRunDiff extends LitElement {
  static override styles = [
    runControlStyles,
    css`
      .sides {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr));
        gap: 0.8rem;
      }
      .side {
        border: 1px solid #e3e8ee;
        border-radius: 4px;
        padding: 0.5rem 0.7rem;
      }
      .side h3 {
        margin: 0 0 0.3rem;
        font-size: 0.95em;
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: wrap;
      }
      h3 {
        font-size: 0.95em;
        margin: 1rem 0 0.4rem;
      }
      .notice {
        background: #fff6e0;
        border: 1px solid #f0d48a;
        border-radius: 4px;
        padding: 0.35rem 0.7rem;
        margin: 0.7rem 0;
      }
      .added {
        color: #2e8540;
      }
      .removed {
        color: #c0392b;
      }
      td.value {
        font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
        word-break: break-all;
      }
    `,
  ];

  /** The run on the left (the "before"). */
  @property() a = '';
  /** The run on the right (the "after"). */
  @property() b = '';

  #diff = new Task(this, {
    task: ([a, b]) => runsApi.diff(a!, b!),
    args: () => [this.a, this.b] as const,
  });

  override render() {
    return html`<div class="panel" data-testid="run-diff">
      <h2>Diff</h2>
      ${this.#diff.render({
        pending: () => html`<p class="muted">Comparing…</p>`,
        error: (error) =>
          html`<p class="message error" data-testid="diff-error">${(error as Error).message}</p>`,
        complete: (diff) => this.#view(diff),
      })}
    </div>`;
  }

  #view(diff: RunDiffView) {
    return html`
      <div class="sides">${this.#side('a', diff.runs.a)} ${this.#side('b', diff.runs.b)}</div>
      ${
        diff.source_changed
          ? html`<p class="notice" data-testid="source-changed">
              Source changed: the two runs ran different versions of the runbook.
            </p>`
          : nothing
      }
      <h3>Parameters</h3>
      ${
        diff.params.length
          ? html`<div class="scroll">
              <table class="grid" data-testid="diff-params">
                <thead>
                  <tr>
                    <th>Path</th>
                    <th>a</th>
                    <th>b</th>
                    <th>Change</th>
                  </tr>
                </thead>
                <tbody>
                  ${diff.params.map(
                    (param) =>
                      html`<tr data-testid="diff-param">
                        <td class="mono">${param.path}</td>
                        <td class="value">${paramText(param.a)}</td>
                        <td class="value">${paramText(param.b)}</td>
                        <td class=${param.change}>${param.change}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : html`<p class="muted">Same parameters and datacentre.</p>`
      }
      <h3>Cells</h3>
      ${diff.cells.map((cell) => html`<sb-run-diff-cell data-testid="diff-cell" data-cell=${cell.cell} .diff=${cell}></sb-run-diff-cell>`)}
    `;
  }

  #side(label: string, run: RunSummary) {
    return html`<div class="side" data-testid="diff-side-${label}">
      <h3>
        ${label}:
        <a href=${routeUrl({ page: 'run', id: run.id, compare: undefined })}>${shortId(run.id)}</a>
        <sb-status-badge .status=${run.status}></sb-status-badge>
      </h3>
      <div>${run.title || run.runbook} on ${run.datacentre} (${run.mode})</div>
      <div class="muted">
        ${run.started_by}, ${formatTime(run.started_at ?? run.created_at)},
        ${formatDuration(durationBetween(run.started_at, run.finished_at))}
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-run-diff': SbRunDiff;
  }
}
