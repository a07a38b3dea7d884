import { css, html, LitElement, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import { formatDuration, shortId, statusColour } from '../../lib/format.ts';
import { runTimeline, timelinePct, type TimedRun } from '../../lib/run-timeline.ts';

/**
 * A run's steps on one time axis: a bar per step from its start to its end, coloured by status and labelled
 * with the cell and its duration. A running step ends at `now`, so re-rendering with a later `now` grows
 * it. `playhead` (epoch ms) draws where a playback stands.
 */
@customElement('sb-run-timeline')
export class SbRunTimeline extends LitElement {
  static override styles = css`
    :host {
      display: block;
      font-size: 0.88em;
    }
    .row {
      display: grid;
      grid-template-columns: min(11rem, 30%) minmax(0, 1fr);
      gap: 0.6rem;
      align-items: center;
      min-height: 1.6rem;
    }
    .label {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .track {
      position: relative;
      height: 1.3rem;
      background: #f0f3f6;
      border-radius: 3px;
    }
    .bar {
      position: absolute;
      top: 0.15rem;
      bottom: 0.15rem;
      min-width: 3px;
      border-radius: 3px;
    }
    .bar.running {
      background-image: linear-gradient(90deg, transparent 60%, rgba(255, 255, 255, 0.35) 60%);
      background-size: 12px 100%;
    }
    .text {
      position: absolute;
      top: 0;
      line-height: 1.3rem;
      white-space: nowrap;
      padding: 0 0.35rem;
      color: #1d2530;
      pointer-events: none;
    }
    .reused {
      color: #5b6775;
      font-style: italic;
      padding-left: 0.35rem;
      line-height: 1.3rem;
    }
    .axis {
      display: flex;
      justify-content: space-between;
      color: #5b6775;
    }
    .playhead {
      position: absolute;
      top: -0.2rem;
      bottom: -0.2rem;
      width: 2px;
      background: #1d2f45;
    }
  `;

  /** The run: its start, end and steps. */
  @property({ attribute: false }) run: TimedRun = { started_at: null, finished_at: null, steps: [] };
  /** Epoch ms that running steps and an unfinished run extend to. */
  @property({ attribute: false }) now = Date.now();
  /** Epoch ms of the playback position, if a playback is shown. */
  @property({ attribute: false }) playhead: number | undefined;

  override render() {
    const timeline = runTimeline(this.run, this.now);
    if (!timeline.bars.length) return html`<p class="muted">No steps yet.</p>`;
    const head = this.playhead === undefined ? null : timelinePct(timeline, this.playhead);
    return html`
      ${timeline.bars.map((bar) => {
        // The label follows the bar; near the right edge it goes inside a wide bar, else before a short one.
        const end = bar.leftPct + bar.widthPct;
        const place = end <= 70 ? 'after' : bar.widthPct >= 25 ? 'inside' : 'before';
        const label = `${bar.cell} · ${formatDuration(bar.durationMs)}`;
        return html`<div class="row">
          <span class="label" title=${bar.cell}>${bar.cell}</span>
          <div class="track">
            ${
              bar.reusedFrom
                ? html`<span
                    class="reused"
                    data-testid="timeline-bar"
                    data-cell=${bar.cell}
                    data-status=${bar.status}
                    >reused from ${shortId(bar.reusedFrom)}</span
                  >`
                : html`<div
                      class="bar ${bar.running ? 'running' : ''}"
                      data-testid="timeline-bar"
                      data-cell=${bar.cell}
                      data-status=${bar.status}
                      title="${label} (${bar.status})"
                      style=${styleMap({
                        left: `${bar.leftPct}%`,
                        width: `${bar.widthPct}%`,
                        background: statusColour(bar.status),
                      })}
                    ></div>
                    <span
                      class="text"
                      style=${styleMap(
                        place === 'after'
                          ? { left: `${end}%` }
                          : place === 'inside'
                            ? { right: `${100 - end}%`, color: '#fff' }
                            : { right: `${100 - bar.leftPct}%` },
                      )}
                      >${label}</span
                    >`
            }
            ${head === null ? nothing : html`<div class="playhead" style=${styleMap({ left: `${head}%` })}></div>`}
          </div>
        </div>`;
      })}
      <div class="row">
        <span></span>
        <div class="axis"><span>0 s</span><span>${formatDuration(timeline.span)}</span></div>
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-run-timeline': SbRunTimeline;
  }
}
