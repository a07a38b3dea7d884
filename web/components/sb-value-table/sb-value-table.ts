import { css, html, LitElement, nothing, type TemplateResult } from 'lit';
import { customElement, property } from 'lit/decorators.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A secret reference renders as its name, never as an object to expand. */
function scalar(value: unknown): TemplateResult | string {
  if (isRecord(value) && Object.keys(value).length === 1 && typeof value.secret === 'string') {
    return html`<span class="secret">«secret ${value.secret}»</span>`;
  }
  if (value === null || value === undefined) return '–';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A typed value as tables: an object as key/value rows, a list of objects as a table with a column per key,
 * a list of scalars as a list; nested values nest.
 */
@customElement('sb-value-table')
export class SbValueTable extends LitElement {
  static override styles = css`
    :host {
      display: block;
      overflow-x: auto;
      font-size: 0.9em;
    }
    table {
      border-collapse: collapse;
    }
    th,
    td {
      border: 1px solid #dbe1e8;
      padding: 0.15rem 0.5rem;
      text-align: left;
      vertical-align: top;
    }
    th {
      background: #f0f3f6;
      font-weight: 600;
    }
    ul {
      margin: 0;
      padding-left: 1.1rem;
    }
    .secret {
      color: #7a4b00;
    }
  `;

  @property({ attribute: false }) value: unknown;

  override render() {
    return this.value === undefined ? nothing : this.#value(this.value);
  }

  #value(value: unknown): TemplateResult | string {
    if (Array.isArray(value)) {
      if (value.length && value.every(isRecord) && !value.some((item) => 'secret' in item))
        return this.#rows(value);
      return html`<ul>
        ${value.map((item) => html`<li>${this.#value(item)}</li>`)}
      </ul>`;
    }
    if (isRecord(value) && !(Object.keys(value).length === 1 && 'secret' in value)) {
      return html`<table>
        ${Object.entries(value).map(
          ([key, item]) =>
            html`<tr>
              <th>${key}</th>
              <td>${this.#value(item)}</td>
            </tr>`,
        )}
      </table>`;
    }
    return scalar(value);
  }

  #rows(rows: Record<string, unknown>[]): TemplateResult {
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    return html`<table>
      <tr>
        ${columns.map((column) => html`<th>${column}</th>`)}
      </tr>
      ${rows.map(
        (row) =>
          html`<tr>
            ${columns.map((column) => html`<td>${this.#value(row[column])}</td>`)}
          </tr>`,
      )}
    </table>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-value-table': SbValueTable;
  }
}
