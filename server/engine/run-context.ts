import path from 'node:path';
import type { Datacentre } from '../runbook/datacentre-schema.ts';
import { DATACENTRE_FILE, type LoadedDatacentre } from '../runbook/load-datacentre.ts';
import { collectSecretRefs, resolveSecrets } from '../runbook/secrets.ts';
import type { TemplateScope } from '../runbook/templates.ts';
import { cellsOf, type Runbook } from '../runbook/types.ts';
import type { RunRecord } from '../store/records.ts';
import { secretNamesIn } from './cell-args.ts';

/** The datacentre a run was created with, as recorded (secret values are resolved afresh). */
export function snapshotOf(run: RunRecord): LoadedDatacentre {
  return {
    name: run.datacentre,
    dir: run.datacentreDir,
    file: path.join(run.datacentreDir, DATACENTRE_FILE),
    profile: run.datacentreSnapshot as Datacentre,
    lines: {},
  };
}

/** Every secret a run can need, resolved now: a missing one stops the run before anything runs. */
export function resolveRunSecrets(
  runbook: Runbook,
  datacentre: LoadedDatacentre,
  env: NodeJS.ProcessEnv,
): Promise<Map<string, string>> {
  const names = [
    ...collectSecretRefs(datacentre.profile).map((ref) => ref.name),
    ...cellsOf(runbook).flatMap(secretNamesIn),
  ];
  return resolveSecrets(datacentre, names, env);
}

/** What a run's templates can reach: its datacentre snapshot, finished cells' results, the run itself. */
export function templateScope(
  run: RunRecord,
  cells: Record<string, unknown>,
  placeholders: boolean,
): TemplateScope {
  return {
    dc: { name: run.datacentre, ...(run.datacentreSnapshot as object) },
    cells,
    run: {
      id: run.id,
      started: run.createdAt,
      mode: run.mode,
      params: run.effective.params,
      workdir: run.workdir,
    },
    placeholders,
  };
}
