import { createInterface } from 'node:readline/promises';
import type { ApprovalDecision, ApprovalRequest } from '../engine/engine.ts';

/**
 * How the CLI answers a step that needs approval: `--yes` approves; on a terminal the operator is asked
 * (with a note); otherwise the run stops with a message saying how to go on.
 */
export function cliApprover(options: { yes: boolean; by: string }) {
  return async (request: ApprovalRequest): Promise<ApprovalDecision> => {
    if (options.yes) return { action: 'approve', by: options.by, note: 'approved with --yes' };
    const howToGoOn = `run it again with --yes, or resume it: stackbook replay ${request.run} --from ${request.cell} --yes`;
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      return {
        action: 'stop',
        message: `cell '${request.cell}' needs an operator's approval and there is no terminal to ask on: ${howToGoOn}`,
      };
    }
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    try {
      // A manual cell's checklist was just printed as its output; a confirm prompt was not.
      if (request.reason === 'confirm') process.stdout.write(`${request.prompt}\n`);
      const answer = await prompt.question(`Approve '${request.cell}'? [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim()))
        return { action: 'stop', message: `cell '${request.cell}' was not approved: ${howToGoOn}` };
      const note = await prompt.question('Note (optional): ');
      return { action: 'approve', by: options.by, note: note.trim() };
    } finally {
      prompt.close();
    }
  };
}
