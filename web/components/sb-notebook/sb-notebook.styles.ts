import { css } from 'lit';

export const notebookStyles = css`
  :host {
    display: block;
  }
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    gap: 0.75rem;
    align-items: center;
    position: sticky;
    top: 0;
    background: #f5f7f9;
    padding: 0.4rem 0;
    z-index: 2;
  }
  h1 {
    font-size: 1.35rem;
    margin: 0 1rem 0 0;
  }
  button {
    font: inherit;
    padding: 0.25rem 0.75rem;
    border: 1px solid #1f5fae;
    border-radius: 4px;
    background: #1f5fae;
    color: #fff;
    cursor: pointer;
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  .badge {
    padding: 0.1rem 0.5rem;
    border-radius: 999px;
    background: #e3e9f0;
    font-size: 0.85em;
  }
  .badge.warn {
    background: #fff1d6;
  }
  .summary {
    color: #4a5866;
  }
  .message {
    padding: 0.5rem 0.75rem;
    border-radius: 4px;
    margin: 0.5rem 0;
  }
  .message.error {
    background: #fdecea;
    color: #8a1f17;
  }
  .prose {
    line-height: 1.55;
  }
  .prose pre {
    background: #eef1f4;
    padding: 0.5rem;
    overflow-x: auto;
  }
  .error {
    color: #a3261b;
  }
`;
