import type { Context } from 'hono';
import type { Selection } from '../../engine/select-cells.ts';
import { runDetail } from '../../store/run-views.ts';
import type { AppEnv } from '../app-env.ts';

/**
 * Starts an execution and answers 202 once everything that could refuse it has been checked (409, 404,
 * 422 come back synchronously); the cells then run in the background and their events stream.
 */
export async function startExecution(c: Context<AppEnv>, runId: string, selection: Selection) {
  const { engine } = c.var.services;
  const { run, steps, done } = await engine.start(runId, selection, c.var.who);
  // The outcome is recorded in the run; a failure of the execution itself is logged, never unhandled.
  done.catch((error: unknown) => console.error(`stackbook serve: run ${runId}:`, error));
  return c.json(runDetail(run, steps), 202);
}
