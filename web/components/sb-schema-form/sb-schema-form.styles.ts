import { css } from 'lit';

/** The schema form's look: label/field grids, chips, the sideways-scrolling table, secret fields. */
export const schemaFormStyles = css`
  :host {
    display: block;
    font-size: 0.92rem;
  }
  .grid {
    display: grid;
    grid-template-columns: minmax(7rem, max-content) minmax(0, 1fr);
    gap: 0.45rem 0.9rem;
    align-items: start;
  }
  .wide {
    grid-column: 1 / -1;
    min-width: 0;
  }
  .label {
    padding-top: 0.3rem;
    color: #3c4855;
  }
  .req {
    color: #a3261b;
    margin-left: 0.15rem;
  }
  .control {
    min-width: 0;
  }
  fieldset.object {
    border: 1px solid #d8dee6;
    border-radius: 6px;
    padding: 0.6rem 0.9rem 0.8rem;
    margin: 0.3rem 0 0;
    background: #fff;
    min-width: 0;
  }
  fieldset.object fieldset.object {
    background: #fafbfc;
  }
  legend {
    font-weight: 600;
    padding: 0 0.3rem;
  }
  input,
  select {
    font: inherit;
    padding: 0.22rem 0.4rem;
    border: 1px solid #b9c3ce;
    border-radius: 4px;
    background: #fff;
    box-sizing: border-box;
    max-width: 100%;
  }
  .control > input.string,
  .control > input.any,
  .record input.key {
    width: min(100%, 26rem);
  }
  input.number {
    width: 7rem;
  }
  input[aria-invalid='true'] {
    border-color: #c0392b;
    background: #fff6f5;
  }
  input:focus-visible,
  select:focus-visible,
  button:focus-visible {
    outline: 2px solid #1f5fae;
    outline-offset: 1px;
  }
  button {
    font: inherit;
    padding: 0.2rem 0.6rem;
    border: 1px solid #b9c3ce;
    border-radius: 4px;
    background: #f4f6f8;
    cursor: pointer;
  }
  button.add {
    margin-top: 0.5rem;
    border-color: #1f5fae;
    color: #1f5fae;
    background: #fff;
  }
  button.link {
    border: none;
    background: none;
    color: #1f5fae;
    font-weight: normal;
    font-size: 0.85em;
    padding: 0 0.3rem;
  }
  button.x {
    border: none;
    background: none;
    padding: 0 0.25rem;
    color: #5b6775;
  }
  .error {
    display: block;
    color: #a3261b;
    font-size: 0.85em;
    margin-top: 0.15rem;
  }
  .muted {
    color: #5b6775;
  }
  .chips {
    display: flex;
    flex-wrap: wrap;
    gap: 0.3rem;
    align-items: flex-start;
  }
  /* A grid, so the remove button stays beside its input and a message goes underneath both. */
  .chip {
    display: inline-grid;
    grid-template-columns: 1fr auto;
    align-items: center;
    max-width: 100%;
  }
  .chip input {
    border-radius: 999px;
    padding: 0.15rem 0.55rem;
    font-family: ui-monospace, monospace;
    font-size: 0.9em;
  }
  .chip .x {
    grid-column: 2;
    grid-row: 1;
  }
  .chip .error {
    grid-column: 1 / -1;
  }
  .tuple {
    display: inline-flex;
    gap: 0.4rem;
    flex-wrap: wrap;
  }
  .record .entry {
    display: flex;
    gap: 0.4rem;
    align-items: start;
    margin-bottom: 0.3rem;
    flex-wrap: wrap;
  }
  .record input.key {
    width: 15rem;
    font-weight: 600;
  }
  .record .value {
    width: min(100%, 26rem);
  }
  .record .value input {
    width: 100%;
  }
  .cards {
    display: grid;
    gap: 0.5rem;
  }
  .card {
    display: flex;
    gap: 0.5rem;
    align-items: start;
  }
  .card > :first-child {
    flex: 1;
  }
  code.raw {
    font-size: 0.85em;
  }
  .sr {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
  }
  @media (max-width: 640px) {
    .grid {
      grid-template-columns: minmax(0, 1fr);
    }
    .label {
      padding-top: 0.4rem;
    }
  }
`;
