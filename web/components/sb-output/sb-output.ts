import { virtualize } from '@lit-labs/virtualizer/virtualize.js';
import type { VisibilityChangedEvent } from '@lit-labs/virtualizer/events.js';
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import { ApiError, call } from '../../api/api-client.ts';
import type { EventView } from '../../api/api-types.ts';
import { LineWindow, type LinesPage } from '../../lib/line-window.ts';
import { FollowController } from './follow-controller.ts';
import { OutputLayout } from './output-layout.ts';
import { outputRow, rowNumbers } from './output-rows.ts';
import { outputStyles } from './sb-output.styles.ts';

const PAGE = 500;
/** The virtualiser clamps its scroll size at 8.2M px: at 18 px a row, 400,000 rows stay below that. */
const MAX_ROWS = 400_000;
/** Rows fetched beyond the visible ones, so a slow scroll rarely shows placeholders. */
const MARGIN = 100;
const LAYOUT = { type: OutputLayout };
/** How long after a failed fetch the view asks again. */
const RETRY_MS = 1000;

/** A dropped connection or a server error is worth another try; a 4xx answer would say the same again. */
const retryable = (error: unknown) => !(error instanceof ApiError) || error.status >= 500;

/**
 * One cell's output: a window over lines stored on the server, fetched a page at a time as the view scrolls,
 * with the live tail applied from the run's stream. Only the visible rows exist in the DOM and at most 20
 * pages of lines in memory, so 200,000 lines neither freeze the tab nor grow its heap. It follows the end
 * while scrolled there; scrolling up stops that and offers a jump back.
 */
@customElement('sb-output')
export class SbOutput extends LitElement {
  static override styles = outputStyles;

  @property() runId = '';
  @property() cell = '';
  @state() private _total = 0;
  @state() private _loaded = false;
  @state() private _error: string | undefined;
  /** The first line shown: above 0 only past MAX_ROWS lines. */
  @state() private _base = 0;

  readonly #window = new LineWindow(PAGE, 20);
  readonly #fetching = new Set<number>();
  /** Bumped whenever what was loaded is forgotten, so answers to older requests are dropped. */
  #generation = 0;
  /** Events pushed while the tail loads; applied after it, those it already counted skipped by seq. */
  #queued: EventView[] | undefined;
  #rows = rowNumbers(0, 0);
  #visible = { first: 0, last: 0 };
  #fetchTimer: ReturnType<typeof setTimeout> | undefined;
  /** A load or page fetch that failed on the network, to be tried again. */
  #loadRetry: ReturnType<typeof setTimeout> | undefined;
  #pageRetry: ReturnType<typeof setTimeout> | undefined;
  readonly #follow = new FollowController(
    this,
    () => this.#scroller,
    () => this._base + this.#rows.length >= this._total,
  );

  /** A new execution of the cell starts: forget everything; its lines arrive by `push`. */
  reset(): void {
    this.#forget();
    this._loaded = true;
    this.#sync();
  }

  /** Live stdout/stderr/log events of this cell, in order; those already counted are ignored. */
  push(events: EventView[]): void {
    if (this.#queued) this.#queued.push(...events);
    if (!this._loaded) return;
    this.#follow.added(this.#window.apply(events));
    // Even without a new line: an open line may have grown.
    this.#sync();
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if ((changed.has('runId') || changed.has('cell')) && this.runId && this.cell) void this.#load();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this._error && !this._loaded) this.#retryLoad();
  }

  override disconnectedCallback(): void {
    clearTimeout(this.#fetchTimer);
    clearTimeout(this.#loadRetry);
    clearTimeout(this.#pageRetry);
    [this.#loadRetry, this.#pageRetry] = [undefined, undefined];
    super.disconnectedCallback();
  }

  #forget(): void {
    this.#generation++;
    clearTimeout(this.#loadRetry);
    clearTimeout(this.#pageRetry);
    [this.#loadRetry, this.#pageRetry] = [undefined, undefined];
    this.#window.reset();
    this.#fetching.clear();
    this.#queued = undefined;
    this._error = undefined;
    this.#follow.resume();
  }

  async #load(): Promise<void> {
    this.#forget();
    const generation = this.#generation;
    this.#queued = [];
    this._loaded = false;
    this.#sync();
    try {
      const page = await this.#fetch(undefined);
      if (generation !== this.#generation) return;
      this.#window.load(page);
      this.#window.apply(this.#queued ?? []);
    } catch (error) {
      if (generation !== this.#generation) return;
      this._error = (error as Error).message;
      if (retryable(error)) {
        // Not loaded: live events are not counted against an empty window (their lines would be numbered
        // from 0); the store keeps them for the next load's tail.
        this.#queued = undefined;
        this.#retryLoad();
        this.#sync();
        return;
      }
    }
    this.#queued = undefined;
    this._loaded = true;
    this.#sync();
  }

  #retryLoad(): void {
    clearTimeout(this.#loadRetry);
    this.#loadRetry = setTimeout(() => void this.#load(), RETRY_MS);
  }

  #fetch(from: number | undefined): Promise<LinesPage> {
    const at = from === undefined ? '' : `&from=${from}`;
    const enc = encodeURIComponent;
    return call<LinesPage>(
      'GET',
      `/api/runs/${enc(this.runId)}/cells/${enc(this.cell)}/lines?count=${PAGE}${at}`,
    );
  }

  /** Brings the rows the virtualiser shows in line with the window; the base follows the end while following. */
  #sync(): void {
    const total = this.#window.total;
    const length = Math.min(total, MAX_ROWS);
    const base = this.#follow.following ? total - length : Math.min(this._base, total - length);
    if (length !== this.#rows.length || base !== this._base) this.#rows = rowNumbers(length, base);
    // The same rows on screen now show other lines: no visibility change will say so.
    if (base !== this._base) this.#fetchSoon();
    this._base = base;
    this._total = total;
    this.requestUpdate();
  }

  // Scrolling fetches what comes into view, once it settles: a fling across 200,000 lines costs no requests.
  #onVisibility = (event: VisibilityChangedEvent) => {
    this.#visible = { first: event.first, last: event.last };
    this.#fetchSoon();
  };

  #fetchSoon(): void {
    clearTimeout(this.#fetchTimer);
    this.#fetchTimer = setTimeout(() => this.#fetchVisible(), 60);
  }

  #fetchVisible(): void {
    // While following, a view short of the end is on its way there (the virtualiser sizes a long output
    // over a few frames): its placeholders would be fetched for nothing.
    if (this.#follow.following && this._base + this.#visible.last < this._total - MARGIN) return;
    const first = this._base + this.#visible.first - MARGIN;
    const generation = this.#generation;
    for (const page of this.#window.missingPages(first, this._base + this.#visible.last + MARGIN)) {
      if (this.#fetching.has(page)) continue;
      this.#fetching.add(page);
      this.#fetch(page * PAGE)
        .then((answer) => {
          if (generation !== this.#generation) return;
          this.#window.fill(page, answer.lines);
          this.requestUpdate();
        })
        .catch((error: unknown) => {
          // Rows left as placeholders would wait for the next scroll: ask again once the network is back.
          if (generation === this.#generation && retryable(error))
            this.#pageRetry ??= setTimeout(() => {
              this.#pageRetry = undefined;
              this.#fetchVisible();
            }, RETRY_MS);
        })
        .finally(() => generation === this.#generation && this.#fetching.delete(page));
    }
  }

  get #scroller(): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>('.lines');
  }

  #jumpToEnd = () => {
    this.#follow.resume();
    this.#sync();
    this.#scroller?.focus({ preventScroll: true });
  };

  // Home and End land at once on the first and the last line, as in a terminal's pager: the browser's own
  // smooth scroll across millions of pixels is cut short whenever the virtualiser re-renders on the way.
  #onKey = (event: KeyboardEvent) => {
    this.#follow.onIntent.handleEvent(event);
    if (event.ctrlKey || event.altKey || event.metaKey || event.shiftKey) return;
    if (event.key === 'End') {
      event.preventDefault();
      this.#jumpToEnd();
    } else if (event.key === 'Home') {
      event.preventDefault();
      this.#follow.stop();
      this._base = 0;
      this.#rows = rowNumbers(this.#rows.length, 0);
      void this.updateComplete.then(() => {
        const scroller = this.#scroller;
        if (scroller) scroller.scrollTop = 0;
        this.#fetchSoon();
      });
    }
  };

  // The lines before the first shown, up to half a window of them, ending at the bottom of the view.
  #showEarlier = () => {
    const shift = Math.min(this._base, MAX_ROWS / 2);
    this.#follow.stop();
    this._base -= shift;
    this.#rows = rowNumbers(this.#rows.length, this._base);
    const rowPx = this.renderRoot.querySelector<HTMLElement>('.row')?.offsetHeight ?? 18;
    void this.updateComplete.then(() => {
      const scroller = this.#scroller;
      if (scroller) scroller.scrollTop = shift * rowPx - scroller.clientHeight + rowPx;
      this.#fetchSoon();
    });
  };

  #row = (n: number) => outputRow(this.#window.line(n), n);

  override render() {
    if (!this._total) {
      const retrying = this.#loadRetry ? '; trying again…' : '';
      const text = this._error
        ? `output unavailable: ${this._error}${retrying}`
        : this._loaded
          ? 'no output yet'
          : '';
      return html`<p class="empty" part="empty" data-testid="output-empty">${text}</p>`;
    }
    const { following, unseen: count } = this.#follow;
    const unseen = count ? ` (${count.toLocaleString('en')} new line${count === 1 ? '' : 's'})` : '';
    const lines = `${this._total.toLocaleString('en')} line${this._total === 1 ? '' : 's'}`;
    return html`<div class="frame" part="frame">
      ${
        this._base > 0
          ? html`<button class="earlier" part="earlier" @click=${this.#showEarlier}>
              Show lines before ${(this._base + 1).toLocaleString('en')}
            </button>`
          : nothing
      }
      <div
        class="lines"
        part="lines"
        tabindex="0"
        style=${styleMap({ '--sb-output-rows': String(this.#rows.length) })}
        @scroll=${this.#follow.onScroll}
        @wheel=${this.#follow.onIntent}
        @keydown=${this.#onKey}
        @pointerdown=${this.#follow.onIntent}
        @touchstart=${this.#follow.onIntent}
        @visibilityChanged=${this.#onVisibility}
      >
        ${virtualize({
          items: this.#rows,
          renderItem: this.#row,
          scroller: true,
          layout: LAYOUT,
        })}
      </div>
      ${
        following
          ? nothing
          : html`<button class="jump" part="jump" data-testid="output-jump" @click=${this.#jumpToEnd}>
              Jump to end${unseen}
            </button>`
      }
      <footer part="footer">
        <span data-testid="output-count">${lines}</span>
        <span>${following ? 'following' : 'paused'}</span>
      </footer>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-output': SbOutput;
  }
}
