import type { CellBlock } from '../runbook/types.ts';
import { StackbookError } from '../stackbook-error.ts';

/** Which cells an execution runs: named ones, all (less those excluded from run-all), or from one onward. */
export type Selection = { cells: string[] } | { all: true } | { from: string };

/** The cells a selection names, in runbook order; an unknown name is a NOT_FOUND error listing the cells. */
export function selectCells(cells: readonly CellBlock[], selection: Selection): CellBlock[] {
  const check = (name: string) => {
    if (!cells.some((cell) => cell.name === name)) {
      throw new StackbookError(
        'NOT_FOUND',
        `no cell '${name}' (cells: ${cells.map((cell) => cell.name).join(', ')})`,
      );
    }
  };
  if ('cells' in selection) {
    selection.cells.forEach(check);
    return cells.filter((cell) => selection.cells.includes(cell.name));
  }
  if ('from' in selection) {
    check(selection.from);
    const start = cells.findIndex((cell) => cell.name === selection.from);
    return cells.slice(start).filter((cell, index) => index === 0 || !cell.attrs.excludeFromRunAll);
  }
  return cells.filter((cell) => !cell.attrs.excludeFromRunAll);
}
