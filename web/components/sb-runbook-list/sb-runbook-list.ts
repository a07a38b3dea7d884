import { Task } from '@lit/task';
import { css, html, LitElement } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { api } from '../../api/api-client.ts';
import { routeUrl } from '../../router.ts';

const DC_KEY = 'stackbook.datacentre';

/** The home page: runbooks to open on a chosen datacentre, and the datacentres to edit. */
@customElement('sb-runbook-list')
export class SbRunbookList extends LitElement {
  static override styles = css`
    .bar {
      display: flex;
      gap: 0.75rem;
      align-items: center;
      margin-bottom: 1rem;
      flex-wrap: wrap;
    }
    ul {
      list-style: none;
      padding: 0;
      display: grid;
      gap: 0.6rem;
      grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr));
    }
    li {
      background: #fff;
      border: 1px solid #d8dee6;
      border-radius: 6px;
      padding: 0.8rem 1rem;
    }
    li a {
      font-weight: 600;
      color: #174a8b;
      text-decoration: none;
    }
    .meta {
      color: #5b6775;
      font-size: 0.85em;
    }
    .error {
      color: #a3261b;
    }
  `;

  @state() private _dc = localStorage.getItem(DC_KEY) ?? '';

  #data = new Task(this, {
    task: async () => {
      const [runbooks, datacentres] = await Promise.all([api.runbooks(), api.datacentres()]);
      if (!datacentres.some((dc) => dc.name === this._dc) && datacentres[0]) this._dc = datacentres[0].name;
      return { runbooks, datacentres };
    },
    args: () => [],
  });

  #choose(event: Event) {
    this._dc = (event.target as HTMLSelectElement).value;
    localStorage.setItem(DC_KEY, this._dc);
  }

  override render() {
    return this.#data.render({
      pending: () => html`<p>Loading…</p>`,
      error: (error) => html`<p class="error">${(error as Error).message}</p>`,
      complete: ({ runbooks, datacentres }) => html`
        <div class="bar">
          <label
            >Datacentre
            <select data-testid="dc-select" @change=${this.#choose}>
              ${datacentres.map((dc) => html`<option value=${dc.name} ?selected=${dc.name === this._dc}>${dc.name}</option>`)}
            </select>
          </label>
          ${this._dc ? html`<a href=${routeUrl({ page: 'datacentre', name: this._dc })}>Edit ${this._dc}</a>` : ''}
        </div>
        <h2>Runbooks</h2>
        <ul>
          ${runbooks.map(
            (runbook) =>
              html`<li data-testid="runbook-item">
                <a
                  href=${routeUrl({ page: 'runbook', id: runbook.id, dc: this._dc || undefined, run: undefined })}
                  >${runbook.title}</a
                >
                <div class="meta">${runbook.id} · ${runbook.cells} cells</div>
                <div>${runbook.summary}</div>
                ${runbook.error ? html`<div class="error">${runbook.error}</div>` : ''}
              </li>`,
          )}
        </ul>
        <h2>Datacentres</h2>
        <ul>
          ${datacentres.map(
            (dc) =>
              html`<li>
                <a href=${routeUrl({ page: 'datacentre', name: dc.name })}>${dc.name}</a>
                <div class="meta">${dc.machines} machines</div>
                <div>${dc.description ?? ''}</div>
                ${dc.error ? html`<div class="error">${dc.error}</div>` : ''}
              </li>`,
          )}
        </ul>
      `,
    });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-runbook-list': SbRunbookList;
  }
}
