import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { CellDiffView, DiffSide } from '../../api/runs-api.ts';
import { formatDelta, formatDuration } from '../../lib/format.ts';
import { runControlStyles } from '../sb-run-page/sb-run-page.styles.ts';
import '../sb-status-badge/sb-status-badge.ts';
import '../sb-value-table/sb-value-table.ts';

type LineKind = 'del' | 'add' | 'hunk' | 'note' | 'same';

function kindOf(line: string): LineKind {
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('…')) return 'note';
  if (line.startsWith('-')) return 'del';
  if (line.startsWith('+')) return 'add';
  return 'same';
}

/** Consecutive diff lines of one kind as one block, so a 10,000-line diff is a few hundred nodes. */
function blocks(lines: readonly string[]): { kind: LineKind; text: string }[] {
  const out: { kind: LineKind; text: string }[] = [];
  for (const line of lines) {
    const kind = kindOf(line);
    const last = out.at(-1);
    if (last?.kind === kind) last.text += `\n${line}`;
    else out.push({ kind, text: line });
  }
  return out;
}

/** One cell of a run diff: status a → b, durations and their change, results, and the output diff. */
@customElement('sb-run-diff-cell')
export class SbRunDiffCell extends LitElement {
  static override styles = [
    runControlStyles,
    css`
      :host {
        display: block;
        border-top: 1px solid #e3e8ee;
        padding: 0.5rem 0;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.3rem 1.2rem;
        align-items: center;
      }
      .name {
        font-weight: 600;
        min-width: 9rem;
      }
      .status.changed {
        background: #fff1c2;
        outline: 1px solid #e0b400;
        border-radius: 4px;
        padding: 0 0.3rem;
      }
      .flag {
        color: #8a5a00;
        font-weight: 600;
      }
      .results {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr));
        gap: 0.6rem;
        margin-top: 0.3rem;
      }
      /* Blocks of lines with white-space: pre, so the template's own whitespace never shows. */
      .output {
        margin: 0.4rem 0 0;
        max-height: 18rem;
        overflow: auto;
        background: #fafbfc;
        border: 1px solid #e3e8ee;
        border-radius: 4px;
        padding: 0.4rem 0.6rem;
        font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
        font-size: 0.85em;
      }
      .output > div {
        white-space: pre;
      }
      .del {
        color: #b3261e;
        background: #fdecea;
      }
      .add {
        color: #1e6b30;
        background: #e7f5ea;
      }
      .hunk,
      .note {
        color: #7b8794;
      }
    `,
  ];

  @property({ attribute: false }) diff: CellDiffView | undefined;

  override render() {
    const cell = this.diff;
    if (!cell) return nothing;
    return html`
      <div class="row">
        <span class="name">${cell.cell} <span class="muted">${cell.driver}</span></span>
        <span class="status ${cell.status_changed ? 'changed' : ''}" data-testid="diff-status">
          ${this.#status(cell.a)} → ${this.#status(cell.b)}
        </span>
        <span data-testid="diff-duration">
          ${formatDuration(cell.a?.duration_ms)} → ${formatDuration(cell.b?.duration_ms)}
          ${cell.duration_changed_ms === null ? nothing : html`<span class="muted">(${formatDelta(cell.duration_changed_ms)})</span>`}
        </span>
        ${cell.output.same ? html`<span class="muted" data-testid="diff-output-same">output identical</span>` : nothing}
      </div>
      ${
        cell.result_changed
          ? html`<details data-testid="diff-result">
              <summary class="flag">result changed</summary>
              <div class="results">
                <div><b>a</b> ${this.#result(cell.a)}</div>
                <div><b>b</b> ${this.#result(cell.b)}</div>
              </div>
            </details>`
          : nothing
      }
      ${
        cell.output.same
          ? nothing
          : html`<div class="output" data-testid="diff-output">
              ${blocks(cell.output.diff).map((block) => html`<div class=${block.kind}>${block.text}</div>`)}
            </div>`
      }
    `;
  }

  #status(side: DiffSide | null) {
    return side
      ? html`<sb-status-badge .status=${side.status}></sb-status-badge>`
      : html`<span class="muted">not run</span>`;
  }

  #result(side: DiffSide | null) {
    if (!side) return html`<span class="muted">not run</span>`;
    if (side.error) return html`<span class="error">${side.error.code}: ${side.error.message}</span>`;
    if (side.result === null || side.result === undefined) return html`<span class="muted">no result</span>`;
    return html`<sb-value-table .value=${side.result}></sb-value-table>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-run-diff-cell': SbRunDiffCell;
  }
}
