/** The datacentre calls the editor makes, typed as server/routes/datacentres/*.ts answer them. */
import { ApiError, api, call } from './api-client.ts';
import type { CellBlockView } from './api-types.ts';
import type { JsonSchema } from '../lib/json-schema.ts';

/** One problem with a profile's text: the 1-based line and the field (`machines[2].mac[0]`). */
export interface ProfileIssue {
  line: number;
  field: string;
  message: string;
}

/** A secret the profile references (or secrets.env sets): whether it has a value, never the value. */
export interface SecretStatus {
  name: string;
  set: boolean;
  source: 'env' | 'file' | null;
  references: { line: number; field: string }[];
}

/** `GET /api/datacentres/:name`. */
export interface DatacentreView {
  name: string;
  file: string;
  profile: Record<string, unknown>;
  yaml: string;
  secrets: SecretStatus[];
  secrets_error: string | null;
  /** Ids of the runbooks this datacentre overlays. */
  overlays: string[];
  /** JSON Schema of what an operator writes in datacentre.yaml. */
  schema: JsonSchema;
}

/** The cells one overlay adds or replaces in its runbook, as that runbook reads on this datacentre. */
export interface OverlayCells {
  runbook: string;
  title: string;
  cells: CellBlockView[];
  /** Why the effective runbook could not be built (its cells are then unknown). */
  error?: string;
}

/** What saving answered: the datacentre as written, or the server's issues (nothing was written). */
export type SaveOutcome = { ok: true; view: DatacentreView } | { ok: false; issues: ProfileIssue[] };

const enc = encodeURIComponent;

/** The problems a 422 carries in `details.issues`, or one issue made of its message. */
export function issuesOf(error: unknown): ProfileIssue[] | undefined {
  if (!(error instanceof ApiError) || error.status !== 422) return undefined;
  const issues = error.body.details?.issues;
  if (Array.isArray(issues) && issues.length) return issues as ProfileIssue[];
  return [{ line: 1, field: '', message: error.body.message }];
}

/** Datacentre calls beyond `api`, with the types the editor reads. */
export const datacentresApi = {
  /** The datacentre with its YAML, secret statuses, overlays and profile schema. */
  get: (name: string) => call<DatacentreView>('GET', `/api/datacentres/${enc(name)}`),

  /** Validates, then writes; a text that does not validate is never sent for writing. */
  async save(name: string, yaml: string, secrets: Record<string, string>): Promise<SaveOutcome> {
    const check = await api.validateDatacentre(name, yaml);
    if (!check.valid) return { ok: false, issues: check.issues ?? [] };
    try {
      const view = await call<DatacentreView>(
        'PUT',
        `/api/datacentres/${enc(name)}`,
        Object.keys(secrets).length ? { yaml, secrets } : { yaml },
      );
      return { ok: true, view };
    } catch (error) {
      // Another writer may have changed what validation saw; the PUT's 422 carries the same issues.
      const issues = issuesOf(error);
      if (issues) return { ok: false, issues };
      throw error;
    }
  },

  /** For each overlay, its cells on this datacentre (`provenance.source === 'overlay'`); one failure stays one. */
  async overlayCells(name: string, overlays: readonly string[]): Promise<OverlayCells[]> {
    return Promise.all(
      overlays.map(async (runbook): Promise<OverlayCells> => {
        try {
          const view = await api.runbook(runbook, name);
          const cells = view.blocks.filter(
            (block): block is CellBlockView => block.kind === 'cell' && block.provenance.source === 'overlay',
          );
          return { runbook, title: view.title, cells };
        } catch (error) {
          return { runbook, title: runbook, cells: [], error: (error as Error).message };
        }
      }),
    );
  },
};
