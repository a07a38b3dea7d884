import { css } from 'lit';

export const cellCardStyles = css`
  :host {
    display: block;
    background: #fff;
    border: 1px solid #d4dbe3;
    border-left: 4px solid var(--status-colour, #c3ccd6);
    border-radius: 6px;
    margin: 0.9rem 0;
    outline: none;
  }
  :host(:focus-visible),
  :host(:focus-within) {
    box-shadow: 0 0 0 2px #7aa7e0;
  }
  header {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
    padding: 0.5rem 0.75rem;
    border-bottom: 1px solid #e6eaef;
  }
  .name {
    font-weight: 600;
    font-family: ui-monospace, monospace;
  }
  .badge {
    font-size: 0.78em;
    padding: 0.05rem 0.45rem;
    border-radius: 999px;
    background: #eef2f6;
    color: #33414f;
    white-space: nowrap;
  }
  .badge.overlay {
    background: #fff1d6;
    color: #7a4b00;
  }
  .status {
    background: var(--status-colour, #c3ccd6);
    color: #fff;
  }
  .spacer {
    flex: 1;
  }
  button {
    font: inherit;
    font-size: 0.85em;
    padding: 0.2rem 0.6rem;
    border: 1px solid #9fb0c3;
    border-radius: 4px;
    background: #f7f9fb;
    cursor: pointer;
  }
  button.primary {
    background: #1f5fae;
    border-color: #1f5fae;
    color: #fff;
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  .body {
    padding: 0.5rem 0.75rem;
    display: grid;
    gap: 0.5rem;
  }
  pre {
    margin: 0;
    padding: 0.5rem;
    background: #f4f6f8;
    border-radius: 4px;
    overflow-x: auto;
    font-size: 0.85em;
  }
  .error {
    color: #a3261b;
  }
  .approve {
    display: flex;
    gap: 0.5rem;
    align-items: center;
    flex-wrap: wrap;
    background: #fff8e6;
    padding: 0.5rem;
    border-radius: 4px;
  }
  .approve .prompt {
    white-space: pre-line;
    flex-basis: 100%;
  }
  .approve input {
    flex: 1;
    min-width: 12rem;
    font: inherit;
  }
  progress {
    width: 100%;
  }
  .machines {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr));
    gap: 0.35rem;
  }
  .machine {
    border: 1px solid #dbe1e8;
    border-radius: 4px;
    padding: 0.25rem 0.4rem;
    font-size: 0.85em;
  }
  .machine.failed {
    border-color: #d9534f;
    background: #fdecea;
  }
  details summary {
    cursor: pointer;
    color: #4a5866;
    font-size: 0.85em;
  }
`;
