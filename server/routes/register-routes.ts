import type { App } from '../app.ts';
import { registerListRunbooks } from './runbooks/list-runbooks.ts';
import { registerGetRunbook } from './runbooks/get-runbook.ts';
import { registerListDatacentres } from './datacentres/list-datacentres.ts';
import { registerGetDatacentre } from './datacentres/get-datacentre.ts';
import { registerValidateDatacentre } from './datacentres/validate-datacentre.ts';
import { registerPutDatacentre } from './datacentres/put-datacentre.ts';
import { registerListRuns } from './runs/list-runs.ts';
import { registerCreateRun } from './runs/create-run.ts';
import { registerGetRun } from './runs/get-run.ts';
import { registerExecuteCell } from './runs/execute-cell.ts';
import { registerExecuteRun } from './runs/execute-run.ts';
import { registerCancelRun } from './runs/cancel-run.ts';
import { registerApproveCell } from './runs/approve-cell.ts';
import { registerReplayRun } from './runs/replay-run.ts';
import { registerListEvents } from './runs/list-events.ts';
import { registerListLines } from './runs/list-lines.ts';
import { registerStreamEvents } from './runs/stream-events.ts';
import { registerGetReport } from './runs/get-report.ts';
import { registerDiffRuns } from './runs/diff-runs.ts';
import { registerListLeases } from './leases/list-leases.ts';

/** Every endpoint of the API, one file each. */
export function registerRoutes(app: App): void {
  registerListRunbooks(app);
  registerGetRunbook(app);
  registerListDatacentres(app);
  registerGetDatacentre(app);
  registerValidateDatacentre(app);
  registerPutDatacentre(app);
  registerListRuns(app);
  registerCreateRun(app);
  registerGetRun(app);
  registerExecuteCell(app);
  registerExecuteRun(app);
  registerCancelRun(app);
  registerApproveCell(app);
  registerReplayRun(app);
  registerListEvents(app);
  registerListLines(app);
  registerStreamEvents(app);
  registerGetReport(app);
  registerDiffRuns(app);
  registerListLeases(app);
}
