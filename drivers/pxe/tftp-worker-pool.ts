import { Worker } from 'node:worker_threads';
import { runTransfer, type RunningTransfer, type TransferJob, type TransferResult } from './tftp-sender.ts';
import type { WorkerCommand, WorkerReport } from './tftp-worker.ts';

interface PoolWorker {
  worker: Worker;
  jobs: Map<number, (result: TransferResult) => void>;
}

/**
 * Worker threads that run transfers, so one server sends on every core as tftpd-hpa's forked processes do
 * (decisions.md 29). A transfer goes to the thread with the fewest under way. Workers load their TypeScript
 * through tsx themselves: hooks registered in this thread do not reach new threads on Node 20.
 */
export class TransferPool {
  private constructor(private readonly workers: PoolWorker[]) {}

  static async start(size: number): Promise<TransferPool> {
    const pool = new TransferPool([]);
    await Promise.all(Array.from({ length: size }, () => pool.spawn()));
    return pool;
  }

  private spawn(): Promise<void> {
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./tftp-worker.ts', import.meta.url).href;
    const worker = new Worker(
      `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
      // Descriptors are opened by the server's thread and closed by the worker that sends the file.
      { eval: true, trackUnmanagedFds: false },
    );
    const member: PoolWorker = { worker, jobs: new Map() };
    this.workers.push(member);
    const failAll = (reason: string) => {
      const index = this.workers.indexOf(member);
      if (index >= 0) this.workers.splice(index, 1);
      for (const [id, done] of member.jobs) done({ id, outcome: 'error', bytes: 0, error: reason });
      member.jobs.clear();
    };
    return new Promise((resolve, reject) => {
      worker.on('message', (report: WorkerReport) => {
        if (report.type === 'ready') return resolve();
        const done = member.jobs.get(report.result.id);
        member.jobs.delete(report.result.id);
        done?.(report.result);
      });
      worker.on('error', (error) => {
        failAll(`transfer thread failed: ${error.message}`);
        reject(error);
      });
      worker.on('exit', () => failAll('transfer thread stopped'));
    });
  }

  /** Runs a transfer on the least busy thread (on this one when none is left). */
  run(job: TransferJob, onDone: (result: TransferResult) => void): RunningTransfer {
    const target = this.workers.reduce<PoolWorker | undefined>(
      (best, candidate) => (!best || candidate.jobs.size < best.jobs.size ? candidate : best),
      undefined,
    );
    // Threads are only lost to a bug; this thread then carries on alone.
    if (!target) return runTransfer(job, onDone);
    target.jobs.set(job.id, onDone);
    target.worker.postMessage({ type: 'start', job } satisfies WorkerCommand);
    return {
      abort: (reason) =>
        target.worker.postMessage({ type: 'abort', id: job.id, reason } satisfies WorkerCommand),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }
}
