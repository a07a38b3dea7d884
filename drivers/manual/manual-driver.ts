import { z } from 'zod';
import type { Driver } from '../types.ts';

const checklist = z
  .object({
    title: z.string().optional(),
    instructions: z.string().optional(),
    steps: z.array(z.string()).default([]),
    /** Machines the operator works on: leased while the step waits, so no other run touches them. */
    machines: z.array(z.string().min(1)).default([]),
  })
  .strict();

// A bare YAML list is the short form of a checklist.
const args = z.preprocess((value) => (Array.isArray(value) ? { steps: value } : value), checklist);

const result = z.object({ approved_by: z.string(), note: z.string(), approved_at: z.string() });

export type ManualArgs = z.infer<typeof checklist>;
export type ManualResult = z.infer<typeof result>;

function describe(input: ManualArgs, cellName: string): string {
  const lines = [input.title ?? cellName];
  if (input.instructions) lines.push(input.instructions.trimEnd());
  if (input.machines.length) lines.push(`machines: ${input.machines.join(', ')}`);
  input.steps.forEach((step, index) => lines.push(`  ${index + 1}. ${step}`));
  return lines.join('\n');
}

/**
 * `manual` cells: steps no tool can do ("Reconfigure the networking within the VM"). The step waits as
 * `awaiting-approval` until an operator confirms it, and records who did and their note.
 */
export const manualDriver: Driver<ManualArgs, ManualResult> = {
  name: 'manual',
  summary: 'A checklist an operator completes and approves with a note',
  body: 'yaml',
  args: args as unknown as z.ZodType<ManualArgs>,
  result,
  leases: (input) => input.machines.map((machine) => `machine:${machine}`),
  plan(input, ctx) {
    return [{ kind: 'approval', summary: `operator confirms: ${describe(input, ctx.cellName)}` }];
  },
  async run(input, ctx) {
    const prompt = describe(input, ctx.cellName);
    await ctx.log('log', `${prompt}\n`);
    const approval = await ctx.requestApproval(prompt);
    return { approved_by: approval.by, note: approval.note, approved_at: approval.at };
  },
};
