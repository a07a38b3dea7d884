import { css } from 'lit';

/**
 * Every row is one line high (no wrapping; long lines scroll sideways): the virtualiser's size estimate is
 * then exact, so a jump across 200,000 lines lands where it should and placeholders never shift the view.
 */
export const outputStyles = css`
  :host {
    display: block;
    --sb-output-row: 18px;
  }
  .frame {
    position: relative;
    background: #111820;
    color: #d5dce4;
    border: 1px solid #24303d;
    border-radius: 6px;
    overflow: hidden;
    font:
      12.5px / var(--sb-output-row) ui-monospace,
      'SFMono-Regular',
      'DejaVu Sans Mono',
      Menlo,
      Consolas,
      monospace;
  }
  /* As tall as the lines, up to --sb-output-height (a little more for a sideways scrollbar); the
     virtualiser's own 150px minimum would pad a short output. */
  .lines {
    min-height: 0 !important;
    height: min(var(--sb-output-height, 22rem), calc(var(--sb-output-rows) * var(--sb-output-row) + 14px));
    outline: none;
  }
  .lines:focus-visible {
    box-shadow: inset 0 0 0 2px #3d6fb6;
  }
  .row {
    min-width: 100%;
    height: var(--sb-output-row);
    box-sizing: border-box;
    padding-right: 1rem;
    border-left: 3px solid transparent;
    white-space: pre;
    tab-size: 8;
  }
  .row::before {
    content: attr(data-n);
    display: inline-block;
    min-width: 7ch;
    padding-right: 1.5ch;
    text-align: right;
    color: #4c5a6a;
    user-select: none;
  }
  .row.stderr {
    border-left-color: #f0605a;
    background: rgba(240, 96, 90, 0.09);
    color: #ffb3ad;
  }
  .row.log {
    border-left-color: #3d6fb6;
    color: #8fa3bb;
    font-style: italic;
  }
  .row.pending {
    color: #3a4653;
  }
  .bold {
    font-weight: 700;
  }
  .dim {
    opacity: 0.65;
  }
  .italic {
    font-style: italic;
  }
  .underline {
    text-decoration: underline;
  }
  .jump {
    position: absolute;
    right: 1.25rem;
    bottom: 2.25rem;
    padding: 0.3rem 0.7rem;
    border: 1px solid #3d6fb6;
    border-radius: 999px;
    background: #1d2f45;
    color: #cfe2ff;
    font: inherit;
    cursor: pointer;
    box-shadow: 0 2px 6px rgba(0, 0, 0, 0.4);
  }
  .earlier {
    display: block;
    width: 100%;
    padding: 0.2rem;
    border: 0;
    border-bottom: 1px solid #24303d;
    background: #17212c;
    color: #8fa3bb;
    font: inherit;
    cursor: pointer;
  }
  footer {
    display: flex;
    gap: 1rem;
    justify-content: space-between;
    padding: 0.15rem 0.75rem;
    border-top: 1px solid #24303d;
    color: #8393a5;
    font-size: 11.5px;
  }
  .empty {
    margin: 0.4rem 0;
    color: #8393a5;
    font-style: italic;
  }
`;
