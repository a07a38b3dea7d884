import { StackbookError } from '../stackbook-error.ts';
import { cellsOf } from './types.ts';
import type { CellBlock, Runbook } from './types.ts';

/**
 * Checks the `needs` of every cell, in document order: each must name an existing cell, the needs must
 * not form a cycle, and each must name an earlier cell (a run executes cells top to bottom).
 * Errors point at the fence line of the offending cell, wherever it came from (base or overlay).
 */
export function checkNeeds(runbook: Runbook): void {
  const cells = cellsOf(runbook);
  const index = new Map(cells.map((cell, at) => [cell.name, at]));

  for (const cell of cells) {
    for (const need of cell.attrs.needs) {
      if (!index.has(need)) {
        throw needsError(cell, `cell '${cell.name}' needs '${need}', which does not exist`);
      }
    }
  }

  // Cycles first: in a cycle some need is always "later", and the cycle is the more useful message.
  const cycle = findCycle(cells, index);
  if (cycle) {
    const first = cells[Math.min(...cycle.map((name) => index.get(name) ?? 0))] as CellBlock;
    const start = cycle.indexOf(first.name);
    const rotated = [...cycle.slice(start), ...cycle.slice(0, start), first.name];
    throw needsError(first, `needs form a cycle: ${rotated.join(' → ')}`);
  }

  for (const [at, cell] of cells.entries()) {
    for (const need of cell.attrs.needs) {
      const needAt = index.get(need) ?? 0;
      if (needAt > at) {
        const later = cells[needAt]?.provenance;
        throw needsError(
          cell,
          `cell '${cell.name}' needs '${need}', which comes later (${later?.file}:${later?.line}); ` +
            'move it above or drop the need',
        );
      }
    }
  }
}

function needsError(cell: CellBlock, message: string): StackbookError {
  const { file, line } = cell.provenance;
  return new StackbookError('PARSE_ERROR', message, { location: { file, line, field: 'needs' } });
}

/** The names on one cycle (each needing the next, the last needing the first), or undefined. */
function findCycle(cells: CellBlock[], index: Map<string, number>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];

  const visit = (cell: CellBlock): string[] | undefined => {
    state.set(cell.name, 'open');
    stack.push(cell.name);
    for (const need of cell.attrs.needs) {
      if (state.get(need) === 'open') return stack.slice(stack.indexOf(need));
      if (state.has(need)) continue;
      const found = visit(cells[index.get(need) as number] as CellBlock);
      if (found) return found;
    }
    stack.pop();
    state.set(cell.name, 'done');
    return undefined;
  };

  for (const cell of cells) {
    const found = state.has(cell.name) ? undefined : visit(cell);
    if (found) return found;
  }
  return undefined;
}
