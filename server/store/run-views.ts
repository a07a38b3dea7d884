import type { EventRecord, RunRecord, StepRecord } from './records.ts';

/** A run as the API and `runs --json` show it in lists. */
export function runSummary(run: RunRecord) {
  return {
    id: run.id,
    runbook: run.runbook,
    title: run.title,
    datacentre: run.datacentre,
    mode: run.mode,
    status: run.status,
    started_by: run.startedBy,
    created_at: run.createdAt,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    parent: run.parent,
    resumed_from: run.resumedFrom,
  };
}

/** A step as the API and `show --json` show it. */
export function stepView(step: StepRecord) {
  return {
    seq: step.seq,
    cell: step.cell,
    driver: step.driver,
    status: step.status,
    attempt: step.attempt,
    started_at: step.startedAt,
    finished_at: step.finishedAt,
    args: step.args,
    result: step.result,
    error: step.error,
    reused_from: step.reusedFrom,
    approved_by: step.approvedBy,
    approval_note: step.approvalNote,
  };
}

/** A run with every step. */
export function runDetail(run: RunRecord, steps: readonly StepRecord[]) {
  return { ...runSummary(run), source_sha256: run.sourceSha256, steps: steps.map(stepView) };
}

/** An event as the API shows it: the step's cell name instead of its number. */
export function eventView(event: EventRecord, cellOf: (step: number) => string | undefined) {
  return {
    seq: event.seq,
    ts: event.ts,
    cell: event.step === null ? null : (cellOf(event.step) ?? null),
    kind: event.kind,
    data: event.data,
  };
}
