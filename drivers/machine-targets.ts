import { z } from 'zod';
import type { Datacentre } from '../server/runbook/datacentre-schema.ts';
import { StackbookError } from '../server/stackbook-error.ts';

/** What every machine target has; a driver's own record schema adds the fields it reads. */
interface Named {
  name: string;
  labels?: string[];
}

/**
 * A fan-out cell's `machines`: machine records (`{{ dc.machines }}` gives a list of them) or machine names
 * from the datacentre.
 */
export function machineTargets<Record extends z.ZodType<Named>>(record: Record) {
  return z.array(z.union([z.string().min(1), record])).min(1, 'name at least one machine');
}

/**
 * The machines a cell targets: records as given, names looked up in the datacentre, then narrowed to those
 * carrying every label asked for. An unknown or repeated name is an error naming it.
 */
export function resolveTargets<Record extends Named>(
  entries: readonly (string | Record)[],
  labels: readonly string[] | undefined,
  datacentre: Datacentre,
): Record[] {
  const known = new Map(datacentre.machines.map((machine) => [machine.name, machine as unknown as Record]));
  const unknown: string[] = [];
  const records = entries.flatMap((entry) => {
    if (typeof entry !== 'string') return [entry];
    const found = known.get(entry);
    if (!found) unknown.push(entry);
    return found ? [found] : [];
  });
  if (unknown.length)
    throw new StackbookError(
      'BAD_ARGUMENT',
      `no machine named ${unknown.join(', ')} in datacentre ${datacentre.name ?? ''}`.trimEnd(),
      { details: { field: 'machines', unknown } },
    );
  const selected = records.filter((machine) =>
    (labels ?? []).every((label) => machine.labels?.includes(label)),
  );
  const seen = new Set<string>();
  for (const machine of selected) {
    if (seen.has(machine.name))
      throw new StackbookError('BAD_ARGUMENT', `machine ${machine.name} is named twice`, {
        details: { field: 'machines' },
      });
    seen.add(machine.name);
  }
  if (!selected.length)
    throw new StackbookError('BAD_ARGUMENT', `no machine carries the labels ${labels?.join(', ')}`, {
      details: { field: 'labels' },
    });
  return selected;
}

/**
 * The names a cell's targets can be seen to have without the datacentre: for leases. Names given as text
 * are leased whether or not a label filter later drops them.
 */
export function targetNames(
  entries: readonly (string | Named)[],
  labels: readonly string[] | undefined,
): string[] {
  return entries.flatMap((entry) => {
    if (typeof entry === 'string') return [entry];
    return (labels ?? []).every((label) => entry.labels?.includes(label)) ? [entry.name] : [];
  });
}
