import { Task } from '@lit/task';
import { css, html, LitElement, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { api } from '../../api/api-client.ts';
import type { RunSummary } from '../../api/api-types.ts';
import { durationBetween, formatDuration, formatTime, shortId } from '../../lib/format.ts';
import { navigate, routeUrl } from '../../router.ts';
import { runControlStyles } from '../sb-run-page/sb-run-page.styles.ts';
import '../sb-status-badge/sb-status-badge.ts';

/** Options for a filter: every known value, plus the chosen one even if nothing lists it any more. */
const options = (values: Iterable<string>, chosen: string | undefined) =>
  [...new Set([...values, ...(chosen ? [chosen] : [])])].sort();

/**
 * Run history, newest first, filtered by runbook and datacentre (the filters live in the URL, so a
 * filtered list can be shared). Ticking "Compare" on two rows enables a diff of them.
 */
@customElement('sb-run-list')
export class SbRunList extends LitElement {
  static override styles = [
    runControlStyles,
    css`
      .bar {
        display: flex;
        flex-wrap: wrap;
        gap: 0.6rem 1rem;
        align-items: center;
        margin-bottom: 0.8rem;
      }
      h1 {
        font-size: 1.35em;
        margin: 0 1rem 0 0;
      }
      tbody tr {
        cursor: pointer;
      }
      tbody tr:hover {
        background: #f5f8fc;
      }
      td.title a {
        font-weight: 600;
        text-decoration: none;
      }
      td {
        white-space: nowrap;
      }
    `,
  ];

  /** Only runs of this runbook (`/runs?runbook=`). */
  @property() runbook: string | undefined;
  /** Only runs on this datacentre (`/runs?dc=`). */
  @property() dc: string | undefined;
  /** Ids ticked for comparison, in the order they were ticked (two at most). */
  @state() private _picked: string[] = [];

  #choices = new Task(this, {
    task: async () => {
      const [runbooks, datacentres, runs] = await Promise.all([
        api.runbooks(),
        api.datacentres(),
        api.runs(),
      ]);
      return {
        runbooks: [...runbooks.map((runbook) => runbook.id), ...runs.map((run) => run.runbook)],
        datacentres: [...datacentres.map((dc) => dc.name), ...runs.map((run) => run.datacentre)],
      };
    },
    args: () => [],
  });

  #runs = new Task(this, {
    task: ([runbook, datacentre]) => api.runs({ runbook, datacentre }),
    args: () => [this.runbook, this.dc] as const,
  });

  #filter(key: 'runbook' | 'dc', event: Event) {
    const value = (event.target as HTMLSelectElement).value || undefined;
    const next = { runbook: this.runbook, dc: this.dc, [key]: value };
    navigate({ page: 'runs', ...next }, { replace: true });
  }

  #pick(id: string, on: boolean) {
    const rest = this._picked.filter((picked) => picked !== id);
    // A third tick replaces the oldest, so the Diff button always compares the last two chosen.
    this._picked = on ? [...rest, id].slice(-2) : rest;
  }

  #diff(runs: RunSummary[]) {
    const picked = runs.filter((run) => this._picked.includes(run.id));
    if (picked.length !== 2) return;
    // Older on the left: the diff reads "a → b" as "then → now".
    const [a, b] = picked.sort((x, y) => x.created_at.localeCompare(y.created_at));
    navigate({ page: 'run', id: a!.id, compare: b!.id });
  }

  #open(event: MouseEvent, id: string) {
    const interactive = event
      .composedPath()
      .some((node) => node instanceof HTMLElement && /^(A|INPUT|BUTTON|LABEL)$/.test(node.tagName));
    if (!interactive) navigate({ page: 'run', id, compare: undefined });
  }

  #select(key: 'runbook' | 'dc', label: string, values: readonly string[], chosen: string | undefined) {
    return html`<label
      >${label}
      <select data-testid="filter-${key}" @change=${(event: Event) => this.#filter(key, event)}>
        <option value="" ?selected=${!chosen}>all</option>
        ${options(values, chosen).map((value) => html`<option value=${value} ?selected=${value === chosen}>${value}</option>`)}
      </select></label
    >`;
  }

  override render() {
    const choices = this.#choices.value ?? { runbooks: [], datacentres: [] };
    const runs = this.#runs.value ?? [];
    const ready = runs.filter((run) => this._picked.includes(run.id)).length === 2;
    return html`
      <div class="bar">
        <h1>Runs</h1>
        ${this.#select('runbook', 'Runbook', choices.runbooks, this.runbook)}
        ${this.#select('dc', 'Datacentre', choices.datacentres, this.dc)}
        <button class="primary" data-testid="diff" ?disabled=${!ready} @click=${() => this.#diff(runs)}>
          Diff
        </button>
        ${this.#choices.error ? html`<span class="error">${(this.#choices.error as Error).message}</span>` : nothing}
      </div>
      ${this.#runs.render({
        pending: () =>
          this.#runs.value ? this.#table(this.#runs.value) : html`<p class="muted">Loading runs…</p>`,
        error: (error) =>
          html`<p class="message error" data-testid="runs-error">${(error as Error).message}</p>`,
        complete: (list) => this.#table(list),
      })}
    `;
  }

  #table(runs: RunSummary[]) {
    if (!runs.length) return html`<p class="muted" data-testid="runs-empty">No runs match.</p>`;
    return html`<div class="panel scroll">
      <table class="grid">
        <thead>
          <tr>
            <th>Compare</th>
            <th>Status</th>
            <th>Run</th>
            <th>Datacentre</th>
            <th>Mode</th>
            <th>Started by</th>
            <th>Started</th>
            <th>Duration</th>
            <th>Parent</th>
          </tr>
        </thead>
        <tbody>
          ${runs.map((run) => this.#row(run))}
        </tbody>
      </table>
    </div>`;
  }

  #row(run: RunSummary) {
    const url = routeUrl({ page: 'run', id: run.id, compare: undefined });
    return html`<tr
      data-testid="run-row"
      data-run=${run.id}
      @click=${(event: MouseEvent) => this.#open(event, run.id)}
    >
      <td>
        <input
          type="checkbox"
          data-testid="compare"
          aria-label="Compare run ${shortId(run.id)}"
          .checked=${this._picked.includes(run.id)}
          @change=${(event: Event) => this.#pick(run.id, (event.target as HTMLInputElement).checked)}
        />
      </td>
      <td><sb-status-badge data-testid="run-status" .status=${run.status}></sb-status-badge></td>
      <td class="title">
        <a href=${url}>${run.title || run.runbook}</a>
        <div class="muted">${run.runbook} · <span class="mono">${shortId(run.id)}</span></div>
      </td>
      <td>${run.datacentre}</td>
      <td>${run.mode}</td>
      <td>${run.started_by}</td>
      <td>${formatTime(run.started_at ?? run.created_at)}</td>
      <td>${run.started_at ? formatDuration(durationBetween(run.started_at, run.finished_at)) : '–'}</td>
      <td>
        ${
          run.parent
            ? html`<a href=${routeUrl({ page: 'run', id: run.parent, compare: undefined })}
                  >${shortId(run.parent)}</a
                >${run.resumed_from ? html` <span class="muted">from ${run.resumed_from}</span>` : nothing}`
            : nothing
        }
      </td>
    </tr>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-run-list': SbRunList;
  }
}
