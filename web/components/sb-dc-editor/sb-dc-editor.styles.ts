import { css } from 'lit';

/** The datacentre editor's page: header with Save, the issue list, tabs, the YAML textarea, the secrets table. */
export const dcEditorStyles = css`
  :host {
    display: block;
  }
  header {
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem 0.9rem;
    align-items: center;
    position: sticky;
    top: 0;
    z-index: 2;
    background: #f5f7f9;
    padding: 0.4rem 0;
  }
  h1 {
    font-size: 1.35rem;
    margin: 0;
  }
  h2 {
    font-size: 1.1rem;
    margin: 1.6rem 0 0.5rem;
  }
  .spacer {
    flex: 1;
  }
  .mono,
  code {
    font-family: ui-monospace, monospace;
    font-size: 0.88em;
    overflow-wrap: anywhere;
  }
  .muted {
    color: #5b6775;
  }
  button {
    font: inherit;
    padding: 0.25rem 0.8rem;
    border: 1px solid #b9c3ce;
    border-radius: 4px;
    background: #fff;
    cursor: pointer;
  }
  button.primary {
    border-color: #1f5fae;
    background: #1f5fae;
    color: #fff;
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  button.link {
    border: none;
    background: none;
    padding: 0;
    color: #174a8b;
    text-decoration: underline;
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
  .message.ok {
    background: #e6f4ea;
    color: #1d5e32;
  }
  .issues {
    border: 1px solid #f0b7b0;
    background: #fff6f5;
    border-radius: 6px;
    padding: 0.5rem 0.9rem;
    margin: 0.5rem 0;
  }
  .issues ul {
    margin: 0.3rem 0 0;
    padding-left: 1.1rem;
  }
  .issues li {
    margin: 0.15rem 0;
  }
  .tabs {
    display: flex;
    gap: 0.3rem;
    margin: 0.8rem 0 0.5rem;
    border-bottom: 1px solid #d8dee6;
  }
  .tabs button {
    border: 1px solid transparent;
    border-bottom: none;
    border-radius: 4px 4px 0 0;
    background: none;
    margin-bottom: -1px;
  }
  .tabs button[aria-selected='true'] {
    border-color: #d8dee6;
    background: #fff;
    font-weight: 600;
  }
  textarea {
    width: 100%;
    box-sizing: border-box;
    min-height: 32rem;
    font-family: ui-monospace, monospace;
    font-size: 0.85rem;
    line-height: 1.45;
    padding: 0.6rem 0.8rem;
    border: 1px solid #b9c3ce;
    border-radius: 6px;
    tab-size: 2;
  }
  table.secrets {
    border-collapse: collapse;
    width: 100%;
    background: #fff;
    border: 1px solid #d8dee6;
    font-size: 0.92rem;
  }
  table.secrets th,
  table.secrets td {
    text-align: left;
    padding: 0.35rem 0.6rem;
    border-bottom: 1px solid #eef1f4;
    vertical-align: top;
  }
  table.secrets th {
    background: #f5f7f9;
  }
  td.set {
    color: #1d7a3a;
  }
  td.unset {
    color: #a15c00;
  }
  table.secrets input {
    font: inherit;
    padding: 0.2rem 0.4rem;
    border: 1px solid #b9c3ce;
    border-radius: 4px;
    width: min(100%, 14rem);
  }
  @media (max-width: 640px) {
    table.secrets thead {
      display: none;
    }
    table.secrets tr,
    table.secrets td {
      display: block;
    }
  }
`;
