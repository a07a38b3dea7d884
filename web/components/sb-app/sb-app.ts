import { css, html, LitElement } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { navigate, parseRoute, type Route } from '../../router.ts';

/**
 * The shell: a header and the page for the current URL. Links inside the app navigate without reloading.
 */
@customElement('sb-app')
export class SbApp extends LitElement {
  static override styles = css`
    :host {
      display: flex;
      flex-direction: column;
      min-height: 100vh;
    }
    header {
      display: flex;
      gap: 1.25rem;
      align-items: center;
      padding: 0.6rem 1.25rem;
      background: #1d2f45;
      color: #fff;
    }
    header a {
      color: #cfe2ff;
      text-decoration: none;
    }
    header a.brand {
      color: #fff;
      font-weight: 700;
      letter-spacing: 0.02em;
    }
    main {
      flex: 1;
      padding: 1rem 1.25rem 3rem;
      max-width: 1200px;
      width: 100%;
      box-sizing: border-box;
      margin: 0 auto;
    }
  `;

  @state() private _route: Route = parseRoute(location.pathname, location.search);

  #onPopState = () => {
    this._route = parseRoute(location.pathname, location.search);
  };

  // Same-origin links navigate in place, so pages keep their live streams and the history stays right.
  #onClick = (event: MouseEvent) => {
    const anchor = event
      .composedPath()
      .find((node): node is HTMLAnchorElement => node instanceof HTMLAnchorElement);
    if (
      !anchor ||
      anchor.target ||
      anchor.hasAttribute('download') ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey
    )
      return;
    const url = new URL(anchor.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('popstate', this.#onPopState);
    this.addEventListener('click', this.#onClick);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('popstate', this.#onPopState);
    this.removeEventListener('click', this.#onClick);
    super.disconnectedCallback();
  }

  override render() {
    return html`
      <header>
        <a class="brand" href="/">stackbook</a>
        <a href="/">Runbooks</a>
        <a href="/runs">Runs</a>
      </header>
      <main>${this.#page()}</main>
    `;
  }

  #page() {
    const route = this._route;
    switch (route.page) {
      case 'home':
        return html`<sb-runbook-list></sb-runbook-list>`;
      case 'runbook':
        return html`<sb-notebook .runbookId=${route.id} .dc=${route.dc} .runId=${route.run}></sb-notebook>`;
      case 'runs':
        return html`<sb-run-list .runbook=${route.runbook} .dc=${route.dc}></sb-run-list>`;
      case 'run':
        return html`<sb-run-page .runId=${route.id} .compare=${route.compare}></sb-run-page>`;
      case 'datacentre':
        return html`<sb-dc-editor .name=${route.name}></sb-dc-editor>`;
      case 'not-found':
        return html`<p>No page at ${route.path}. <a href="/">Back to the runbooks</a>.</p>`;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-app': SbApp;
  }
}
