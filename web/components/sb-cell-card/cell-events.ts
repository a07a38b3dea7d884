/** What a cell card asks its notebook to do. */
export interface RunRequestDetail {
  cell: string;
  /** `cell`: this cell only; `from`: this cell and every one after it. */
  scope: 'cell' | 'from';
}

export interface ApproveRequestDetail {
  cell: string;
  note: string;
}

declare global {
  interface HTMLElementEventMap {
    'sb-run-request': CustomEvent<RunRequestDetail>;
    'sb-cancel-request': CustomEvent<{ cell: string }>;
    'sb-approve-request': CustomEvent<ApproveRequestDetail>;
  }
}
