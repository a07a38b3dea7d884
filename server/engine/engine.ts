import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ulid } from 'ulid';
import type { DriverRegistry } from '../../drivers/registry.ts';
import { Scrubber } from '../../drivers/scrubber.ts';
import type { LoadedDatacentre } from '../runbook/load-datacentre.ts';
import { cellsOf, type CellBlock, type Runbook } from '../runbook/types.ts';
import { StackbookError } from '../stackbook-error.ts';
import type { EventRecord, RunMode, RunRecord, RunStatus, StepRecord, StepStatus } from '../store/records.ts';
import type { Store } from '../store/store.ts';
import { parseCellArgs, resolveCellArgs } from './cell-args.ts';
import { LeaseTable, leaseConflict } from './lease-table.ts';
import { latestSteps, refuseUnmetNeeds } from './latest-steps.ts';
import { resolveRunSecrets, snapshotOf, templateScope } from './run-context.ts';
import { EventWriter } from './event-writer.ts';
import { currentOwner } from './process-owner.ts';
import { recoverInterrupted } from './recover-interrupted.ts';
import { ApprovalDesk } from './approval-desk.ts';
import { runStep, type Execution } from './step-runner.ts';
import { selectCells, type Selection } from './select-cells.ts';

import type { ApprovalDecision, ApprovalRequest } from './approval-desk.ts';

export type { ApprovalDecision, ApprovalRequest };

export interface EngineDeps {
  store: Store;
  drivers: DriverRegistry;
  /** Runs' working directories live under `<dataDir>/runs/<id>`. */
  dataDir: string;
  now?: () => Date;
  env?: NodeJS.ProcessEnv;
  onApprovalNeeded?: (request: ApprovalRequest) => Promise<ApprovalDecision>;
  /** Called with events once they are stored, in order. */
  onEvents?: (events: readonly EventRecord[]) => void;
}

interface Active {
  execution: Execution;
  desk: ApprovalDesk;
  /** The cell executing now. */
  current?: string;
  /**
   * Set once its cells are done, while the run's final status is written: settles when the run is let go.
   * A viewer may have the final status event by then, and execute the next cell at once.
   */
  closing?: Promise<void>;
}

/** Runs runbooks: creates runs from an effective runbook and a datacentre, executes cells, records it all. */
export class Engine {
  readonly #active = new Map<string, Active | 'starting'>();
  readonly leases: LeaseTable;
  readonly #now: () => Date;

  constructor(private readonly deps: EngineDeps) {
    this.#now = deps.now ?? (() => new Date());
    this.leases = new LeaseTable(deps.store, this.#now);
  }

  /** Sets how events are watched and approvals asked for, e.g. once a front end is ready. */
  configure(hooks: Pick<EngineDeps, 'onEvents' | 'onApprovalNeeded'>): void {
    Object.assign(this.deps, hooks);
  }

  /** Marks runs whose executing process died as interrupted and kills what they left running. */
  recoverInterrupted(): Promise<string[]> {
    return recoverInterrupted(this.deps.store, this.#now);
  }

  /**
   * Creates a run: checks the datacentre has the sections the runbook needs, that every secret resolves and
   * that every template names something real — all before anything runs. With `selection` (what the caller
   * will execute at once, as the CLI does) it also refuses what `start()` would refuse — an unknown cell, a
   * cell whose `needs` would not have succeeded (given `steps`, the results a resume reuses), a machine
   * another run holds — before the run is recorded, so a refused command leaves no empty run behind.
   */
  async createRun(input: {
    runbook: Runbook;
    datacentre: LoadedDatacentre;
    mode?: RunMode;
    by: string;
    parent?: RunRecord;
    resumedFrom?: string;
    selection?: Selection;
    steps?: ReadonlyMap<string, StepRecord>;
  }): Promise<RunRecord> {
    const { runbook, datacentre } = input;
    const profile = datacentre.profile as Record<string, unknown>;
    for (const section of runbook.needs) {
      const value = profile[section];
      if (value === undefined || (Array.isArray(value) && value.length === 0)) {
        throw new StackbookError(
          'BAD_ARGUMENT',
          `runbook '${runbook.id}' needs the datacentre section '${section}', which ${datacentre.name} does not have`,
          { location: { file: datacentre.file, field: section } },
        );
      }
    }
    await resolveRunSecrets(runbook, datacentre, this.deps.env ?? process.env);
    const id = ulid();
    const createdAt = this.#now().toISOString();
    const run: RunRecord = {
      id,
      runbook: runbook.id,
      title: runbook.title,
      sourceSha256: createHash('sha256')
        .update(runbook.sources.map((source) => source.sha256).join('\n'))
        .digest('hex'),
      effective: runbook,
      datacentre: datacentre.name,
      datacentreDir: datacentre.dir,
      datacentreSnapshot: datacentre.profile,
      mode: input.mode ?? 'live',
      status: 'pending',
      parent: input.parent?.id ?? null,
      resumedFrom: input.resumedFrom ?? null,
      startedBy: input.by,
      // A resume continues in its parent's directory, where the earlier cells left their files.
      workdir:
        input.resumedFrom && input.parent ? input.parent.workdir : path.join(this.deps.dataDir, 'runs', id),
      owner: null,
      createdAt,
      startedAt: null,
      finishedAt: null,
    };
    // Every template must name something real; results of cells not yet run are placeholders here.
    const scope = templateScope(run, {}, true);
    for (const cell of cellsOf(runbook)) resolveCellArgs(cell, this.#driver(cell), scope);
    if (input.selection) {
      const steps = input.steps ?? new Map<string, StepRecord>();
      const cells = selectCells(cellsOf(runbook), input.selection);
      refuseUnmetNeeds(cells, steps);
      if (run.mode === 'live') await this.#refuseLeased(run, cells, steps);
    }
    await this.deps.store.insertRun(run);
    await this.deps.store.audit({
      ts: createdAt,
      who: input.by,
      action: 'create',
      run: id,
      cell: null,
      detail: { mode: run.mode },
    });
    return run;
  }

  /**
   * A new run from a recorded one's snapshot (same effective runbook, same datacentre snapshot). With `from`,
   * the results of the cells before it are reused from the recorded run: a resume. With `check`, what
   * executing it at once (from `from`, or all) would refuse is refused before the new run is recorded.
   */
  async replay(runId: string, options: { from?: string; by: string; check?: boolean }): Promise<RunRecord> {
    const parent = await this.getRun(runId);
    const cells = cellsOf(parent.effective);
    const fromIndex = options.from === undefined ? 0 : cells.findIndex((cell) => cell.name === options.from);
    if (fromIndex < 0) throw new StackbookError('NOT_FOUND', `run ${runId} has no cell '${options.from}'`);
    const recorded = latestSteps(await this.deps.store.listSteps(parent.id));
    const reused = new Map<string, StepRecord>();
    for (const cell of cells.slice(0, fromIndex)) {
      const step = recorded.get(cell.name);
      if (step?.status === 'succeeded') reused.set(cell.name, step);
    }
    const run = await this.createRun({
      runbook: parent.effective,
      datacentre: snapshotOf(parent),
      mode: parent.mode,
      by: options.by,
      parent,
      resumedFrom: options.from,
      ...(options.check
        ? { selection: options.from ? { from: options.from } : { all: true }, steps: reused }
        : {}),
    });
    let seq = 0;
    for (const step of reused.values()) {
      await this.deps.store.insertStep({
        ...step,
        run: run.id,
        seq: ++seq,
        reusedFrom: step.reusedFrom ?? parent.id,
        pgid: null,
      });
    }
    await this.deps.store.audit({
      ts: this.#now().toISOString(),
      who: options.by,
      action: 'replay',
      run: run.id,
      cell: options.from ?? null,
      detail: { parent: parent.id },
    });
    return run;
  }

  async getRun(runId: string): Promise<RunRecord> {
    const run = await this.deps.store.getRun(runId);
    if (!run) throw new StackbookError('NOT_FOUND', `no run ${runId}`);
    return run;
  }

  isActive(runId: string): boolean {
    return this.#active.has(runId);
  }

  /**
   * Starts executing cells of a run in runbook order: `{ cells }` those only, `{ all }` every cell not
   * excluded from run-all, `{ from }` that cell and the ones after it. Everything that can refuse the
   * execution is checked before this resolves — the run already executing (CONFLICT), an unknown cell,
   * a cell whose `needs` have not succeeded (REFUSED), a machine leased by another run (CONFLICT), a
   * missing secret — so a caller can answer at once; `done` resolves with the run's final record.
   */
  async start(
    runId: string,
    selection: Selection,
    by: string,
  ): Promise<{ run: RunRecord; steps: StepRecord[]; done: Promise<RunRecord> }> {
    let busy = this.#active.get(runId);
    // An execution that has run its cells and is writing its outcome is waited for, not refused: its final
    // status event may already have reached whoever executes the next cell.
    while (busy && busy !== 'starting' && busy.closing) {
      await busy.closing;
      busy = this.#active.get(runId);
    }
    if (busy) {
      const what = busy === 'starting' || !busy.current ? '' : ` (cell '${busy.current}')`;
      throw new StackbookError('CONFLICT', `run ${runId} is already executing${what}`, {
        details: { run: runId },
      });
    }
    // Claimed before the first await, so two concurrent starts cannot both pass.
    this.#active.set(runId, 'starting');
    let active: Active;
    let cells: CellBlock[];
    let steps: StepRecord[];
    try {
      ({ active, cells, steps } = await this.#prepare(runId, selection));
    } catch (error) {
      this.#active.delete(runId);
      throw error;
    }
    this.#active.set(runId, active);
    const { store } = this.deps;
    const { run, writer } = active.execution;
    const startedAt = this.#now().toISOString();
    const running: RunRecord = {
      ...run,
      status: 'running',
      owner: currentOwner(),
      startedAt: run.startedAt ?? startedAt,
      finishedAt: null,
    };
    // Independent writes, issued together; nothing can refuse the execution any more, so the caller is
    // answered while they run, and the execution waits for them before its first cell (a failed one fails it).
    const recorded = Promise.all([
      store.updateRun(runId, {
        status: running.status,
        owner: running.owner,
        startedAt: running.startedAt,
        finishedAt: null,
      }),
      store.audit({ ts: startedAt, who: by, action: 'execute', run: runId, cell: null, detail: selection }),
      writer.append('status', null, JSON.stringify({ run: runId, status: 'running' })),
    ]);
    recorded.catch(() => undefined);
    return { run: running, steps, done: this.#finish(active, running, cells, latestSteps(steps), recorded) };
  }

  /** Executes and waits: `start()` then its `done`. */
  async execute(runId: string, selection: Selection, by: string): Promise<RunRecord> {
    return (await this.start(runId, selection, by)).done;
  }

  async #prepare(
    runId: string,
    selection: Selection,
  ): Promise<{ active: Active; cells: CellBlock[]; steps: StepRecord[] }> {
    const { store } = this.deps;
    // Independent reads go out together: each is a round trip to SQLite's thread, and they add up.
    const [run, recorded, lastEvent] = await Promise.all([
      this.getRun(runId),
      store.listSteps(runId),
      store.maxEventSeq(runId),
    ]);
    const cells = selectCells(cellsOf(run.effective), selection);
    // The secrets file is read while the needs are checked, and awaited after them, so an unmet need is the
    // first reason given.
    const secrets = resolveRunSecrets(run.effective, snapshotOf(run), this.deps.env ?? process.env);
    secrets.catch(() => undefined);
    const steps = latestSteps(recorded);
    refuseUnmetNeeds(cells, steps);
    // Made synchronously: one system call when it exists (every execution but a run's first), where the
    // promise API is a trip through libuv's thread pool that the execution would wait for.
    mkdirSync(run.workdir, { recursive: true });
    const secretValues = await secrets;
    if (run.mode === 'live') await this.#refuseLeased(run, cells, steps);
    const writer = new EventWriter(store, run.id, lastEvent, this.#now, this.deps.onEvents);
    // Step numbers count on in memory: this execution is the only writer of the run's steps.
    let lastSeq = recorded.reduce((max, step) => Math.max(max, step.seq), 0);
    const desk = new ApprovalDesk(this.#now, () => this.deps.onApprovalNeeded);
    const execution: Execution = {
      run,
      // A profile's name is free text: one safe folder name, never a path.
      siteDir: path.join(this.deps.dataDir, 'sites', run.datacentre.replace(/[^A-Za-z0-9_.-]|^\./g, '_')),
      store,
      writer,
      scrubber: new Scrubber(secretValues.values()),
      secrets: secretValues,
      cancel: new AbortController(),
      leases: this.leases,
      now: this.#now,
      approve: (seq, cell, prompt, reason) => desk.request(execution, seq, cell, prompt, reason),
      onCell: (name) => (active.current = name),
      nextSeq: () => ++lastSeq,
    };
    const active: Active = { execution, desk };
    return { active, cells, steps: recorded };
  }

  /**
   * Refuses up front when a selected cell would act on a resource another run holds. Cells whose arguments
   * depend on results not known yet are checked when they run.
   */
  async #refuseLeased(
    run: RunRecord,
    cells: readonly CellBlock[],
    steps: ReadonlyMap<string, StepRecord>,
  ): Promise<void> {
    const results = Object.fromEntries(
      [...steps].filter(([, step]) => step.status === 'succeeded').map(([name, step]) => [name, step.result]),
    );
    for (const cell of cells) {
      const driver = this.#driver(cell);
      if (!driver.leases) continue;
      let keys: string[];
      try {
        keys = driver.leases(
          parseCellArgs(cell, driver, resolveCellArgs(cell, driver, templateScope(run, results, true))),
        );
      } catch {
        continue;
      }
      const [holder] = await this.leases.conflicts(keys, run.id);
      if (holder) throw leaseConflict(holder.key, holder.run, holder.cell);
    }
  }

  /**
   * Executes the cells, then records the outcome; `running` is the run as `start()` records it (`recorded`),
   * `known` its latest steps as `start()` read them. Answers the run's final record, as written.
   */
  async #finish(
    active: Active,
    running: RunRecord,
    cells: CellBlock[],
    known: ReadonlyMap<string, StepRecord>,
    recorded: Promise<unknown>,
  ): Promise<RunRecord> {
    let executed: { status: RunStatus; statuses: ReadonlyMap<string, StepStatus> } | undefined;
    try {
      // The first cell starts after whoever called start() has answered (the API's 202): a process spawn
      // blocks this thread for milliseconds, and a client waits for that answer before it opens the stream.
      await new Promise((resolve) => setImmediate(resolve));
      await recorded;
      executed = await this.#executeCells(active.execution, cells, known);
    } finally {
      let release!: () => void;
      active.closing = new Promise((resolve) => (release = resolve));
      try {
        // Only this execution writes the run while it executes: the record it writes is the run's record.
        running = { ...running, ...(await this.#close(active, cells, executed)) };
      } finally {
        this.#active.delete(running.id);
        release();
      }
    }
    return running;
  }

  /** Records the outcome of an execution: the run's status event (the last event it stores), then its row. */
  async #close(
    active: Active,
    cells: CellBlock[],
    executed: { status: RunStatus; statuses: ReadonlyMap<string, StepStatus> } | undefined,
  ): Promise<Pick<RunRecord, 'status' | 'owner' | 'finishedAt'>> {
    const { store } = this.deps;
    const { run, writer } = active.execution;
    let outcome = executed?.status ?? 'failed';
    if (executed && outcome === 'succeeded') {
      const statuses = executed.statuses;
      const open = cellsOf(run.effective).some(
        (cell) =>
          !cell.attrs.excludeFromRunAll && !['succeeded', 'skipped'].includes(statuses.get(cell.name) ?? ''),
      );
      // Cells that failed with continueOnError let the execution go on; the run has still failed.
      if (cells.some((cell) => statuses.get(cell.name) === 'failed')) outcome = 'failed';
      else if (open) outcome = 'pending';
    }
    const finished = ['pending', 'awaiting-approval'].includes(outcome) ? null : this.#now().toISOString();
    await writer.append('status', null, JSON.stringify({ run: run.id, status: outcome }));
    await writer.flush();
    await store.updateRun(run.id, { status: outcome, owner: null, finishedAt: finished ?? undefined });
    return { status: outcome, owner: null, finishedAt: finished };
  }

  /**
   * Executes the cells in order; answers the status that stopped them, or `succeeded` when every one was
   * tried (`#finish` then looks for failures let through by continueOnError), with each cell's latest step
   * status: this execution is the only writer of the run's steps, so what it recorded is what the table holds.
   */
  async #executeCells(
    execution: Execution,
    cells: CellBlock[],
    known: ReadonlyMap<string, StepRecord>,
  ): Promise<{ status: RunStatus; statuses: ReadonlyMap<string, StepStatus> }> {
    const { store, run } = execution;
    const statuses = new Map([...known].map(([name, step]) => [name, step.status]));
    let stopped: { status: RunStatus; reason: string } | undefined;
    // The steps as start() read them serve the first cell; later cells read what the earlier ones recorded.
    let current: ReadonlyMap<string, StepRecord> | undefined = known;
    for (const cell of cells) {
      // The previous cell's final row is written with the batch that reports it (`EventWriter.hold`).
      if (!current) await execution.writer.flush();
      const steps = current ?? latestSteps(await store.listSteps(run.id));
      current = undefined;
      const unmet = cell.attrs.needs.filter((need) => steps.get(need)?.status !== 'succeeded');
      const reason =
        stopped?.reason ??
        (unmet.length
          ? `needs ${unmet.map((need) => `'${need}' (${steps.get(need)?.status ?? 'not run'})`).join(', ')}, which has not succeeded`
          : undefined);
      if (reason) {
        await this.#recordSkipped(execution, cell, stopped ? reason : `not run: it ${reason}`);
        statuses.set(cell.name, 'skipped');
        continue;
      }
      // A dry run's results are plans, not results: later cells see placeholders instead.
      const dryRun = run.mode === 'dry-run';
      const results = dryRun
        ? {}
        : Object.fromEntries(
            [...steps]
              .filter(([, step]) => step.status === 'succeeded')
              .map(([name, step]) => [name, step.result]),
          );
      const scope = templateScope(run, results, dryRun);
      let status;
      try {
        status = await runStep(execution, cell, this.#driver(cell), scope);
      } catch (error) {
        if (error instanceof StackbookError && error.code === 'NEEDS_APPROVAL') {
          stopped = { status: 'awaiting-approval', reason: `not run: '${cell.name}' awaits approval` };
          statuses.set(cell.name, 'awaiting-approval');
          break;
        }
        throw error;
      }
      statuses.set(cell.name, status);
      if (status === 'cancelled') stopped = { status: 'cancelled', reason: 'not run: the run was cancelled' };
      else if (status === 'failed' && !cell.attrs.continueOnError) {
        stopped = { status: 'failed', reason: `not run: '${cell.name}' failed` };
      }
    }
    return { status: stopped?.status ?? 'succeeded', statuses };
  }

  async #recordSkipped(execution: Execution, cell: CellBlock, reason: string): Promise<void> {
    const { store, run, writer } = execution;
    const seq = execution.nextSeq();
    const at = this.#now().toISOString();
    const error = { code: 'SKIPPED', message: reason };
    await store.insertStep({
      run: run.id,
      seq,
      cell: cell.name,
      driver: this.#driver(cell).name,
      args: null,
      status: 'skipped',
      attempt: 0,
      startedAt: at,
      finishedAt: at,
      result: null,
      error,
      reusedFrom: null,
      approvedBy: null,
      approvalNote: null,
      pgid: null,
    });
    await writer.append('status', seq, JSON.stringify({ cell: cell.name, status: 'skipped', error }));
  }

  /** Cancels a run's execution: aborts the running step (its whole process group) and skips the rest. */
  async cancel(runId: string, by: string): Promise<boolean> {
    const active = this.#active.get(runId);
    if (!active || active === 'starting') return false;
    await this.deps.store.audit({
      ts: this.#now().toISOString(),
      who: by,
      action: 'cancel',
      run: runId,
      cell: null,
      detail: null,
    });
    const error = new StackbookError('CANCELLED', `cancelled by ${by}`);
    active.execution.cancel.abort(error);
    active.desk.rejectAll(error);
    return true;
  }

  /**
   * Closes a run that was refused before any of its cells executed (e.g. a machine leased by another run
   * between the check in `createRun` and `start`): it becomes `cancelled`, with the reason in the audit
   * trail, instead of staying `pending` with nothing in it. A run with a step of its own is left alone.
   */
  async withdraw(runId: string, by: string, reason: string): Promise<boolean> {
    const run = await this.getRun(runId);
    const steps = await this.deps.store.listSteps(runId);
    if (run.status !== 'pending' || this.#active.has(runId) || steps.some((step) => !step.reusedFrom))
      return false;
    const at = this.#now().toISOString();
    await this.deps.store.updateRun(runId, { status: 'cancelled', finishedAt: at });
    await this.deps.store.audit({
      ts: at,
      who: by,
      action: 'refused',
      run: runId,
      cell: null,
      detail: { reason },
    });
    return true;
  }

  /** Approves a step that waits for approval (a manual cell, or a cell with `confirm`). */
  async approve(runId: string, cell: string, by: string, note: string): Promise<void> {
    const active = this.#active.get(runId);
    const desk = active && active !== 'starting' ? active.desk : undefined;
    if (!desk?.approve(cell, by, note)) {
      throw new StackbookError('CONFLICT', `cell '${cell}' of run ${runId} is not waiting for approval`);
    }
  }

  #driver(cell: CellBlock) {
    const driver = this.deps.drivers.get(cell.driver);
    if (!driver) {
      throw new StackbookError('PARSE_ERROR', `unknown driver '${cell.driver}'`, {
        location: { file: cell.provenance.file, line: cell.provenance.line },
      });
    }
    return driver;
  }
}
