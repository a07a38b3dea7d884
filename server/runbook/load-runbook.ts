import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DriverLookup } from '../../drivers/registry.ts';
import { StackbookError, asStackbookError } from '../stackbook-error.ts';
import { applyOverlay } from './apply-overlay.ts';
import { parseRunbook } from './parse-runbook.ts';
import { cellsOf } from './types.ts';
import type { Runbook } from './types.ts';

/** Where {@link loadRunbook} looks for runbooks and their datacentre overlay. */
export interface LoadRunbookOptions {
  runbooksDir: string;
  /** `datacentres/<dc>`; its `runbooks/<id>.md`, when present, is applied as an overlay. */
  datacentreDir?: string;
  drivers: DriverLookup;
}

/** One line of the runbook list; `error` is set (and the rest defaulted) when the file does not parse. */
export interface RunbookSummary {
  id: string;
  title: string;
  summary: string;
  file: string;
  cells: number;
  error?: string;
}

/**
 * Loads the effective runbook: `ref` is a runbook id (`<runbooksDir>/<id>.md`, or the file whose front
 * matter has that id) or a path to a `.md` file. The datacentre's overlay for the runbook's id, if any,
 * is applied. A missing runbook is a `NOT_FOUND` listing the ids there are.
 */
export async function loadRunbook(ref: string, options: LoadRunbookOptions): Promise<Runbook> {
  const { runbooksDir, datacentreDir, drivers } = options;
  const isPath = ref.endsWith('.md') || ref.includes('/') || ref.includes('\\');
  let file = isPath ? ref : join(runbooksDir, `${ref}.md`);
  let text = await readIfExists(file);
  if (text === undefined && isPath) throw new StackbookError('NOT_FOUND', `runbook file '${ref}' not found`);
  if (text === undefined) {
    // The file name and the front-matter id usually agree; when they don't, the id still finds it.
    const all = await listRunbooks(runbooksDir, drivers);
    const match = all.find((entry) => entry.id === ref && entry.error === undefined);
    if (!match) {
      const ids = all.map((entry) => entry.id);
      throw new StackbookError(
        'NOT_FOUND',
        `no runbook '${ref}' in ${runbooksDir} (available: ${ids.join(', ') || 'none'})`,
        { details: { available: ids } },
      );
    }
    file = match.file;
    text = (await readIfExists(file)) ?? '';
  }

  const base = parseRunbook(text, file, drivers);
  if (datacentreDir === undefined) return base;
  const overlayFile = join(datacentreDir, 'runbooks', `${base.id}.md`);
  const overlayText = await readIfExists(overlayFile);
  return overlayText === undefined ? base : applyOverlay(base, overlayText, overlayFile, drivers);
}

/**
 * Every `*.md` runbook in `runbooksDir`, sorted by id. A file that fails to parse is listed with its
 * `error` rather than failing the whole list, so one broken runbook does not hide the others.
 */
export async function listRunbooks(runbooksDir: string, drivers: DriverLookup): Promise<RunbookSummary[]> {
  let names: string[];
  try {
    names = (await readdir(runbooksDir)).filter((name) => name.endsWith('.md'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw asStackbookError(error);
    throw new StackbookError('NOT_FOUND', `runbooks directory '${runbooksDir}' not found`);
  }
  const entries = await Promise.all(
    names.map(async (name): Promise<RunbookSummary> => {
      const file = join(runbooksDir, name);
      try {
        const runbook = parseRunbook(await readFile(file, 'utf8'), file, drivers);
        const { id, title, summary } = runbook;
        return { id, title, summary, file, cells: cellsOf(runbook).length };
      } catch (error) {
        const id = basename(name, '.md');
        return { id, title: id, summary: '', file, cells: 0, error: asStackbookError(error).message };
      }
    }),
  );
  return entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.file < b.file ? -1 : 1));
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return undefined;
    throw asStackbookError(error);
  }
}
