import { css } from 'lit';

/** The schema form's tables (machines) and secret fields, which sit in table cells and in fieldsets alike. */
export const schemaTableStyles = css`
  .secret {
    display: inline-grid;
    grid-template-columns: minmax(8rem, 1fr) minmax(6rem, 1fr);
    gap: 0.25rem;
    align-items: center;
  }
  .secret-status,
  .secret .error {
    grid-column: 1 / -1;
    font-size: 0.8em;
  }
  .secret-status.set {
    color: #1d7a3a;
  }
  .secret-status.unset {
    color: #a15c00;
  }
  .table-scroll {
    /* Positioned, so the visually hidden header text stays inside the scroller. */
    position: relative;
    overflow-x: auto;
    border: 1px solid #d8dee6;
    border-radius: 6px;
    background: #fff;
  }
  table {
    border-collapse: collapse;
    width: 100%;
    font-size: 0.92em;
  }
  th,
  td {
    padding: 0.3rem 0.3rem;
    text-align: left;
    vertical-align: top;
    border-bottom: 1px solid #eef1f4;
  }
  th {
    background: #f5f7f9;
    font-weight: 600;
    white-space: nowrap;
    font-size: 0.92em;
  }
  /* Column widths in em so the machines table fits 1280 px and scrolls sideways below that. */
  td input.string,
  td input.any {
    width: 100%;
    min-width: 5em;
  }
  td input.number {
    width: 4.2em;
  }
  td[data-col='name'] input {
    min-width: 7em;
  }
  td[data-col='pm_addr'] input {
    min-width: 7.5em;
  }
  td[data-col='memory'] input {
    width: 5em;
  }
  td .secret {
    grid-template-columns: 10em;
  }
  td .chips {
    flex-direction: column;
    flex-wrap: nowrap;
    align-items: stretch;
  }
  td .chip input {
    min-width: 12em;
  }
  td.actions {
    display: flex;
    flex-direction: column;
    gap: 0.25rem;
  }
  td.actions button {
    font-size: 0.88em;
    padding: 0.15rem 0.5rem;
  }
  tr.invalid td {
    background: #fffafa;
  }
  tr.details td {
    background: #fafbfc;
    padding: 0.5rem 0.8rem;
  }
`;
