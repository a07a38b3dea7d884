import { css, html, LitElement } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import { statusColour } from '../../lib/format.ts';

/**
 * A run's or step's status as a coloured pill. The status is reflected as an attribute, so tests and
 * stylesheets can select `sb-status-badge[status=failed]`; the text is the status itself.
 */
@customElement('sb-status-badge')
export class SbStatusBadge extends LitElement {
  static override styles = css`
    :host {
      display: inline-block;
      vertical-align: middle;
    }
    span {
      display: inline-block;
      padding: 0.05rem 0.5rem;
      border-radius: 999px;
      color: #fff;
      font-size: 0.8em;
      font-weight: 600;
      line-height: 1.5;
      white-space: nowrap;
    }
  `;

  /** The status to show, e.g. `succeeded`, `running`, `awaiting-approval`. */
  @property({ reflect: true }) status = '';

  override render() {
    return html`<span part="badge" style=${styleMap({ background: statusColour(this.status) })}
      >${this.status || '–'}</span
    >`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-status-badge': SbStatusBadge;
  }
}
