import { killProcessGroup } from '../../drivers/exec.ts';
import type { Store } from '../store/store.ts';
import { groupCarriesMarker, isOwnerAlive } from './process-owner.ts';

/**
 * Runs left `running` (or waiting for approval) by a process that is gone become `interrupted`, and so do
 * their unfinished steps; any process group such a step left behind is killed, but only after its
 * STACKBOOK_STEP marker proves the pid is still ours.
 */
export async function recoverInterrupted(store: Store, now: () => Date): Promise<string[]> {
  const recovered: string[] = [];
  const candidates = [
    ...(await store.listRuns({ status: 'running' })),
    ...(await store.listRuns({ status: 'awaiting-approval' })),
  ];
  for (const run of candidates) {
    if (!run.owner || isOwnerAlive(run.owner)) continue;
    const at = now().toISOString();
    let seq = await store.maxEventSeq(run.id);
    const events = [];
    for (const step of await store.listSteps(run.id)) {
      if (!['running', 'awaiting-approval', 'pending'].includes(step.status)) continue;
      if (step.pgid !== null && groupCarriesMarker(step.pgid, `${run.id}/${step.seq}`))
        killProcessGroup(step.pgid, 'SIGKILL');
      const error = { code: 'INTERRUPTED', message: 'the process executing this step stopped' };
      await store.updateStep(run.id, step.seq, { status: 'interrupted', finishedAt: at, error });
      events.push({
        run: run.id,
        seq: ++seq,
        step: step.seq,
        ts: at,
        kind: 'status' as const,
        data: JSON.stringify({ cell: step.cell, status: 'interrupted', error }),
        lines: 0,
      });
    }
    events.push({
      run: run.id,
      seq: ++seq,
      step: null,
      ts: at,
      kind: 'status' as const,
      data: JSON.stringify({ run: run.id, status: 'interrupted' }),
      lines: 0,
    });
    await store.appendEvents(events);
    await store.updateRun(run.id, { status: 'interrupted', owner: null, finishedAt: at });
    recovered.push(run.id);
  }
  return recovered;
}
