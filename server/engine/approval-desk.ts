import type { Approval } from '../../drivers/types.ts';
import type { CellBlock } from '../runbook/types.ts';
import { StackbookError } from '../stackbook-error.ts';
import type { Execution } from './step-runner.ts';

export interface ApprovalRequest {
  run: string;
  cell: string;
  prompt: string;
  reason: 'manual' | 'confirm';
}

/** What a front end answers when a step needs approval: approve now, wait for `approve()`, or stop the run. */
export type ApprovalDecision =
  { action: 'approve'; by: string; note: string } | { action: 'wait' } | { action: 'stop'; message: string };

/**
 * Approvals of one execution: marks the step and run as waiting, asks the front end, and either approves
 * at once, waits for `approve()`, or stops the run. Every approval is recorded on the step and in the audit.
 */
export class ApprovalDesk {
  readonly #waiting = new Map<string, { resolve(approval: Approval): void; reject(error: unknown): void }>();

  constructor(
    private readonly now: () => Date,
    private readonly hook: () => ((request: ApprovalRequest) => Promise<ApprovalDecision>) | undefined,
  ) {}

  /** Approves a waiting cell; false when that cell is not waiting. */
  approve(cell: string, by: string, note: string): boolean {
    const waiter = this.#waiting.get(cell);
    waiter?.resolve({ by, note, at: this.now().toISOString() });
    return Boolean(waiter);
  }

  /** Ends every wait with an error (a cancel). */
  rejectAll(error: unknown): void {
    for (const waiter of this.#waiting.values()) waiter.reject(error);
  }

  async request(
    execution: Execution,
    seq: number,
    cell: CellBlock,
    prompt: string,
    reason: 'manual' | 'confirm',
  ): Promise<Approval> {
    const { store, run, writer } = execution;
    await store.updateStep(run.id, seq, { status: 'awaiting-approval' });
    await store.updateRun(run.id, { status: 'awaiting-approval' });
    await writer.append(
      'status',
      seq,
      JSON.stringify({ cell: cell.name, status: 'awaiting-approval', reason, prompt }),
    );
    // Whoever is asked sees everything the run printed up to here first.
    await writer.flush();
    const decision = (await this.hook()?.({
      run: run.id,
      cell: cell.name,
      prompt,
      reason,
    })) ?? { action: 'wait' };
    if (decision.action === 'stop') {
      // The step stays waiting; its error says why nobody approved it and how to go on.
      await store.updateStep(run.id, seq, { error: { code: 'NEEDS_APPROVAL', message: decision.message } });
      throw new StackbookError('NEEDS_APPROVAL', decision.message);
    }
    const approval =
      decision.action === 'approve'
        ? { by: decision.by, note: decision.note, at: this.now().toISOString() }
        : await new Promise<Approval>((resolve, reject) =>
            this.#waiting.set(cell.name, { resolve, reject }),
          ).finally(() => this.#waiting.delete(cell.name));
    await store.updateStep(run.id, seq, {
      status: 'running',
      approvedBy: approval.by,
      approvalNote: approval.note,
    });
    await store.updateRun(run.id, { status: 'running' });
    await store.audit({
      ts: approval.at,
      who: approval.by,
      action: 'approve',
      run: run.id,
      cell: cell.name,
      detail: { note: approval.note, reason },
    });
    await writer.append(
      'status',
      seq,
      JSON.stringify({ cell: cell.name, status: 'running', approved_by: approval.by, note: approval.note }),
    );
    return approval;
  }
}
