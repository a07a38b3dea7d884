/** Shapes of the stackbook API as the web notebook reads them (see /api/openapi.json). */

export interface Provenance {
  file: string;
  line: number;
  source: 'base' | 'overlay';
}

export interface ProseBlockView {
  kind: 'prose';
  markdown: string;
  html: string;
  provenance: Provenance;
}

export interface CellBlockView {
  kind: 'cell';
  name: string;
  driver: string;
  lang: string;
  attrs: Record<string, unknown>;
  source: string;
  provenance: Provenance;
  preview: unknown;
  preview_error: { message: string; line?: number; field?: string } | null;
  schema: unknown;
}

export interface RunbookView {
  id: string;
  title: string;
  summary: string;
  needs: string[];
  params: Record<string, unknown>;
  datacentre: string | null;
  blocks: (ProseBlockView | CellBlockView)[];
}

export interface RunbookSummary {
  id: string;
  title: string;
  summary: string;
  cells: number;
  error?: string;
}

export interface DatacentreSummary {
  name: string;
  description?: string;
  machines: number;
  error?: string;
}

export interface StepView {
  seq: number;
  cell: string;
  driver: string;
  status: string;
  attempt: number;
  started_at: string | null;
  finished_at: string | null;
  args: unknown;
  result: unknown;
  error: { code: string; message: string } | null;
  reused_from: string | null;
  approved_by: string | null;
  approval_note: string | null;
}

export interface RunSummary {
  id: string;
  runbook: string;
  title: string;
  datacentre: string;
  mode: 'live' | 'dry-run';
  status: string;
  started_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  parent: string | null;
  resumed_from: string | null;
}

export interface RunView extends RunSummary {
  source_sha256: string;
  steps: StepView[];
  /** The seq of the run's last stored event (GET /api/runs/:id). */
  last_seq?: number;
}

export interface EventView {
  seq: number | null;
  ts: string;
  cell: string | null;
  kind: 'stdout' | 'stderr' | 'log' | 'progress' | 'status';
  data: string;
}

export interface ApiErrorBody {
  code: string;
  message: string;
  details: Record<string, unknown>;
}
