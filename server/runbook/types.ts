/** Where a block came from: the base runbook or a datacentre overlay, with its line. */
export interface Provenance {
  file: string;
  line: number;
  source: 'base' | 'overlay';
}

/** A cell's attributes after parsing the fence's `{…}` block (Runme syntax). */
export interface CellAttrs {
  name: string;
  /** Cell names that must have succeeded in the same run before this one runs. */
  needs: string[];
  /** Milliseconds; undefined means no timeout. */
  timeoutMs?: number;
  /** Extra attempts after a failure. */
  retries: number;
  /** Needs an operator's approval before running. */
  confirm: boolean;
  continueOnError: boolean;
  excludeFromRunAll: boolean;
  /** Overlays only: insert this new cell after the named one. */
  after?: string;
  /** Overlays only: remove the named cell. */
  skip: boolean;
}

export interface ProseBlock {
  kind: 'prose';
  markdown: string;
  provenance: Provenance;
}

export interface CellBlock {
  kind: 'cell';
  name: string;
  /** The registered driver name (`bash` resolves to `sh`). */
  driver: string;
  /** The fence word as written (`sh`, `bash`, `ipmi`, …). */
  lang: string;
  attrs: CellAttrs;
  /** The attributes as written, for display and round-tripping. */
  rawAttrs: Record<string, unknown>;
  /** The fenced block's body, exactly as written. */
  body: string;
  /**
   * Typed cells: the YAML body parsed to plain data (templates still unresolved).
   * Script cells: `{ script: body }`.
   */
  args: unknown;
  /** Absolute line numbers of argument paths in the body (`machines`, `machines.0`), for error messages. */
  argLines: Record<string, number>;
  /** Line of the opening fence. */
  provenance: Provenance;
  /** Line of the first body line. */
  bodyLine: number;
}

export type Block = ProseBlock | CellBlock;

export interface Runbook {
  id: string;
  title: string;
  summary: string;
  /** Datacentre sections this runbook requires (`machines`, `network`, …). */
  needs: string[];
  /** Front-matter params (overlays override them). */
  params: Record<string, unknown>;
  blocks: Block[];
  /** The base file, then any overlay file, with the sha256 of each file's bytes. */
  sources: { file: string; sha256: string }[];
}

export function cellsOf(runbook: Runbook): CellBlock[] {
  return runbook.blocks.filter((block): block is CellBlock => block.kind === 'cell');
}
