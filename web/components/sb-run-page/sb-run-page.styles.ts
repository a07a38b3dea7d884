import { css } from 'lit';

/** Buttons, links, panels and tables shared by the run pages (history, run, playback, diff). */
export const runControlStyles = css`
  :host {
    display: block;
  }
  a {
    color: #174a8b;
  }
  button,
  select,
  .button {
    font: inherit;
    font-size: 0.9em;
    padding: 0.25rem 0.7rem;
    border: 1px solid #b9c4d0;
    border-radius: 4px;
    background: #fff;
    color: #1d2530;
    cursor: pointer;
    text-decoration: none;
    white-space: nowrap;
  }
  button.primary {
    background: #1f6fd1;
    border-color: #1f6fd1;
    color: #fff;
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  .panel {
    background: #fff;
    border: 1px solid #d8dee6;
    border-radius: 6px;
    padding: 0.8rem 1rem;
    margin: 0.9rem 0;
    min-width: 0;
  }
  .panel > h2 {
    font-size: 1.05em;
    margin: 0 0 0.6rem;
  }
  .scroll {
    overflow-x: auto;
    max-width: 100%;
  }
  table.grid {
    border-collapse: collapse;
    width: 100%;
    font-size: 0.92em;
  }
  table.grid th,
  table.grid td {
    border-bottom: 1px solid #e3e8ee;
    padding: 0.3rem 0.5rem;
    text-align: left;
    vertical-align: top;
  }
  table.grid th {
    background: #f0f3f6;
    font-weight: 600;
    white-space: nowrap;
  }
  .muted {
    color: #5b6775;
    font-size: 0.88em;
  }
  .error {
    color: #a3261b;
  }
  .message.error {
    background: #fdecea;
    border: 1px solid #f3b8b1;
    border-radius: 4px;
    padding: 0.4rem 0.7rem;
    margin: 0.5rem 0;
  }
  .mono {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.88em;
  }
`;

/** The run page's header. */
export const runPageStyles = css`
  header {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 1rem;
    align-items: center;
  }
  h1 {
    font-size: 1.35em;
    margin: 0;
  }
  .facts {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem 1.2rem;
    margin: 0.5rem 0;
    color: #3b4654;
  }
  .facts b {
    color: #5b6775;
    font-weight: 500;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }
  .actions .spacer {
    flex: 1;
  }
`;
