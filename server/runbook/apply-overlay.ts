import type { DriverLookup } from '../../drivers/registry.ts';
import { StackbookError } from '../stackbook-error.ts';
import { checkNeeds } from './check-needs.ts';
import { parseRunbook } from './parse-runbook.ts';
import { cellsOf } from './types.ts';
import type { Block, CellBlock, Runbook } from './types.ts';

/**
 * Applies a datacentre overlay (`datacentres/<dc>/runbooks/<id>.md`) to a base runbook, cell by cell in
 * the overlay's order:
 * - `skip=true` removes the base cell of that name;
 * - an existing name replaces that cell in place (or, with `after=<name>`, moves it there);
 * - a new name with `after=<name>` is inserted right after that cell (which may itself be an inserted one);
 * - a new name without `after` is appended.
 *
 * Overlay prose is ignored; overlay params override the base's key by key. The result keeps each cell's
 * provenance (base or overlay file:line) and lists both files in `sources`.
 */
export function applyOverlay(
  base: Runbook,
  overlayText: string,
  overlayFile: string,
  drivers: DriverLookup,
): Runbook {
  const overlay = parseRunbook(overlayText, overlayFile, drivers, { source: 'overlay' });
  const blocks: Block[] = [...base.blocks];
  const indexOf = (name: string): number =>
    blocks.findIndex((block) => block.kind === 'cell' && block.name === name);

  const skipped: CellBlock[] = [];
  for (const cell of cellsOf(overlay)) {
    const at = indexOf(cell.name);
    if (cell.attrs.skip) {
      if (at < 0) {
        throw overlayError(cell, 'skip', `cannot skip '${cell.name}': the base runbook has no such cell`);
      }
      skipped.push(cell);
      blocks.splice(at, 1);
      continue;
    }
    if (cell.attrs.after === undefined) {
      if (at >= 0) blocks.splice(at, 1, cell);
      else blocks.push(cell);
      continue;
    }
    if (at >= 0) blocks.splice(at, 1);
    const target = indexOf(cell.attrs.after);
    if (target < 0) {
      throw overlayError(
        cell,
        'after',
        `cannot insert '${cell.name}' after '${cell.attrs.after}': no such cell`,
      );
    }
    blocks.splice(target + 1, 0, cell);
  }

  const result: Runbook = {
    ...base,
    params: { ...base.params, ...overlay.params },
    blocks,
    sources: [...base.sources, ...overlay.sources],
  };
  checkNotNeeded(blocks, skipped);
  checkNeeds(result);
  return result;
}

/**
 * Skipping a cell that another still needs would otherwise surface as "needs a cell that does not
 * exist" at the base file; the overlay's skip line is where the fix belongs.
 */
function checkNotNeeded(blocks: Block[], skipped: CellBlock[]): void {
  for (const block of blocks) {
    if (block.kind !== 'cell') continue;
    const gone = skipped.find((cell) => block.attrs.needs.includes(cell.name));
    if (!gone) continue;
    const { file, line } = block.provenance;
    throw overlayError(
      gone,
      'skip',
      `cannot skip '${gone.name}': cell '${block.name}' (${file}:${line}) needs it`,
    );
  }
}

function overlayError(cell: CellBlock, field: string, message: string): StackbookError {
  const { file, line } = cell.provenance;
  return new StackbookError('PARSE_ERROR', message, { location: { file, line, field } });
}
