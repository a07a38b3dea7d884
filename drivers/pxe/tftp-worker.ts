/** A worker thread of the TFTP server: runs the transfers its parent posts to it and reports each end. */
import { parentPort } from 'node:worker_threads';
import { runTransfer, type RunningTransfer, type TransferJob, type TransferResult } from './tftp-sender.ts';

export type WorkerCommand =
  { type: 'start'; job: TransferJob } | { type: 'abort'; id: number; reason: string };

export type WorkerReport = { type: 'ready' } | { type: 'done'; result: TransferResult };

const port = parentPort!;
const running = new Map<number, RunningTransfer>();

port.on('message', (command: WorkerCommand) => {
  if (command.type === 'start') {
    const { job } = command;
    running.set(
      job.id,
      runTransfer(job, (result) => {
        running.delete(job.id);
        port.postMessage({ type: 'done', result } satisfies WorkerReport);
      }),
    );
  } else running.get(command.id)?.abort(command.reason);
});
port.postMessage({ type: 'ready' } satisfies WorkerReport);
