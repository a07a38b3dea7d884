import { Task } from '@lit/task';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { datacentresApi, type OverlayCells } from '../../api/datacentres-api.ts';
import { routeUrl } from '../../router.ts';

/** `file:line`, with the path shortened to what follows `datacentres/` so the badge stays readable. */
function where(provenance: { file: string; line: number }): string {
  const file = provenance.file.replace(/^.*?(?=datacentres\/)/, '');
  return `${file}:${provenance.line}`;
}

/**
 * A datacentre's overlay cells, in place: for each runbook it overlays, the cells the overlay adds or
 * replaces there (name, driver, provenance file:line, source), with a link to that runbook's notebook.
 */
@customElement('sb-dc-overlays')
export class SbDcOverlays extends LitElement {
  static override styles = css`
    :host {
      display: block;
    }
    section {
      border: 1px solid #d8dee6;
      border-radius: 6px;
      background: #fff;
      padding: 0.6rem 0.9rem;
      margin-bottom: 0.6rem;
    }
    h3 {
      margin: 0 0 0.4rem;
      font-size: 1rem;
      display: flex;
      gap: 0.6rem;
      flex-wrap: wrap;
      align-items: baseline;
    }
    a {
      color: #174a8b;
    }
    .cell {
      border-top: 1px solid #eef1f4;
      padding: 0.45rem 0;
    }
    .head {
      display: flex;
      gap: 0.5rem;
      flex-wrap: wrap;
      align-items: baseline;
    }
    .badge {
      padding: 0.05rem 0.5rem;
      border-radius: 999px;
      background: #e3e9f0;
      font-size: 0.8em;
    }
    .badge.overlay {
      background: #fff1d6;
    }
    pre {
      margin: 0.35rem 0 0;
      padding: 0.5rem 0.7rem;
      background: #f3f5f7;
      border-radius: 4px;
      overflow-x: auto;
      font-size: 0.85em;
    }
    .muted {
      color: #5b6775;
    }
    .error {
      color: #a3261b;
    }
  `;

  /** The datacentre. */
  @property() name = '';
  /** Ids of the runbooks it overlays (the GET's `overlays`). */
  @property({ attribute: false }) overlays: string[] = [];

  #cells = new Task(this, {
    task: ([name, overlays]) => datacentresApi.overlayCells(name!, overlays as string[]),
    args: () => [this.name, this.overlays] as const,
  });

  override render() {
    if (!this.overlays.length)
      return html`<p class="muted">
        This datacentre overlays no runbooks (add runbooks/&lt;id&gt;.md to its folder).
      </p>`;
    return this.#cells.render({
      pending: () => html`<p class="muted">Loading overlay cells…</p>`,
      error: (error) => html`<p class="error">${(error as Error).message}</p>`,
      complete: (list) => list.map((overlay) => this.#overlay(overlay)),
    });
  }

  #overlay(overlay: OverlayCells) {
    const href = routeUrl({ page: 'runbook', id: overlay.runbook, dc: this.name, run: undefined });
    return html`<section data-testid="dc-overlay" data-runbook=${overlay.runbook}>
      <h3>
        <a href=${href} data-testid="dc-overlay-link">${overlay.title}</a>
        <span class="muted"
          >${overlay.runbook} · ${overlay.cells.length} overlay
          cell${overlay.cells.length === 1 ? '' : 's'}</span
        >
      </h3>
      ${overlay.error ? html`<p class="error">${overlay.error}</p>` : nothing}
      ${
        !overlay.error && !overlay.cells.length
          ? html`<p class="muted">The overlay changes parameters or skips cells only.</p>`
          : nothing
      }
      ${overlay.cells.map(
        (cell) =>
          html`<div class="cell" data-testid="dc-overlay-cell" data-cell=${cell.name}>
            <div class="head">
              <strong>${cell.name}</strong>
              <span class="badge">${cell.driver}</span>
              <span class="badge overlay" title=${cell.provenance.file}
                >overlay ${where(cell.provenance)}</span
              >
            </div>
            <pre>${cell.source}</pre>
          </div>`,
      )}
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-dc-overlays': SbDcOverlays;
  }
}
