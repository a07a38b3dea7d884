import os from 'node:os';
import path from 'node:path';
import { defaultRegistry } from '../../drivers/default-registry.ts';
import type { DriverRegistry } from '../../drivers/registry.ts';
import { Engine, type EngineDeps } from '../engine/engine.ts';
import { StackbookError } from '../stackbook-error.ts';
import { Store } from '../store/store.ts';

/** The options every command takes. */
export interface CommonOptions {
  data: string;
  runbooks: string;
  datacentres: string;
  json: boolean;
}

export const COMMON_OPTIONS = {
  data: { type: 'string' },
  runbooks: { type: 'string' },
  datacentres: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function commonOptions(values: Record<string, unknown>, env = process.env): CommonOptions {
  return {
    data: path.resolve(String(values.data ?? env.STACKBOOK_DATA ?? 'data')),
    runbooks: path.resolve(String(values.runbooks ?? env.STACKBOOK_RUNBOOKS ?? 'runbooks')),
    datacentres: path.resolve(String(values.datacentres ?? env.STACKBOOK_DATACENTRES ?? 'datacentres')),
    json: Boolean(values.json),
  };
}

/** Who the CLI acts as, for the audit trail. */
export function whoAmI(): string {
  return process.env.STACKBOOK_USER ?? os.userInfo().username;
}

export interface CliContext {
  options: CommonOptions;
  store: Store;
  drivers: DriverRegistry;
  engine: Engine;
  close(): Promise<void>;
}

/** Opens the store (recovering runs a dead process left running) and builds the engine. */
export async function openContext(
  options: CommonOptions,
  engineDeps: Partial<EngineDeps> = {},
): Promise<CliContext> {
  const store = await Store.open(path.join(options.data, 'stackbook.db'));
  const drivers = defaultRegistry();
  const engine = new Engine({ store, drivers, dataDir: options.data, ...engineDeps });
  await engine.recoverInterrupted();
  return { options, store, drivers, engine, close: () => store.close() };
}

/** A run id, or a unique prefix of one. */
export async function resolveRunId(store: Store, ref: string | undefined): Promise<string> {
  if (!ref) throw new StackbookError('BAD_ARGUMENT', 'a run id is required');
  const matches = await store.findRunId(ref);
  if (matches.length === 1) return matches[0]!;
  throw new StackbookError('NOT_FOUND', matches.length ? `run id '${ref}' is ambiguous` : `no run '${ref}'`);
}
