import type { CellBlock } from '../runbook/types.ts';
import { StackbookError } from '../stackbook-error.ts';
import type { StepRecord } from '../store/records.ts';
import type { Store } from '../store/store.ts';

/** The latest step of each cell. */
export function latestSteps(steps: readonly StepRecord[]): Map<string, StepRecord> {
  const latest = new Map<string, StepRecord>();
  for (const step of steps) latest.set(step.cell, step);
  return latest;
}

/**
 * The step whose events hold a step's output. A reused step (a resume) is a copy of a step recorded in an
 * earlier run, timestamps included; its output lives there, in the step those timestamps identify.
 */
export async function recordedStep(store: Store, step: StepRecord): Promise<StepRecord | undefined> {
  if (!step.reusedFrom) return step;
  return (await store.listSteps(step.reusedFrom)).find(
    (s) =>
      s.cell === step.cell &&
      !s.reusedFrom &&
      s.status === 'succeeded' &&
      s.startedAt === step.startedAt &&
      s.finishedAt === step.finishedAt,
  );
}

/**
 * Refuses an execution up front when a selected cell needs one that has not succeeded and is not selected
 * to run before it.
 */
export function refuseUnmetNeeds(cells: readonly CellBlock[], steps: ReadonlyMap<string, StepRecord>): void {
  const earlier = new Set<string>();
  for (const cell of cells) {
    for (const need of cell.attrs.needs) {
      if (earlier.has(need) || steps.get(need)?.status === 'succeeded') continue;
      throw new StackbookError(
        'REFUSED',
        `cell '${cell.name}' needs '${need}', which has not succeeded in this run (${steps.get(need)?.status ?? 'not run'})`,
        { details: { cell: cell.name, need } },
      );
    }
    earlier.add(cell.name);
  }
}
