import type { ZodError } from 'zod';
import type { AnyDriver } from '../../drivers/types.ts';
import { resolveArgs, resolveScript, type TemplateScope, type TemplateSite } from '../runbook/templates.ts';
import type { CellBlock } from '../runbook/types.ts';
import { StackbookError } from '../stackbook-error.ts';

/** The template site of a cell: its file, and the line of each argument path or script line. */
export function siteOf(cell: CellBlock): TemplateSite {
  return {
    cell: cell.name,
    file: cell.provenance.file,
    lineOf(field) {
      const scriptLine = /^script line (\d+)$/.exec(field);
      if (scriptLine) return cell.bodyLine + Number(scriptLine[1]) - 1;
      return cell.argLines[field] ?? cell.provenance.line;
    },
  };
}

/** A cell's arguments with templates resolved (secrets stay references), before the driver parses them. */
export function resolveCellArgs(cell: CellBlock, driver: AnyDriver, scope: TemplateScope): unknown {
  const site = siteOf(cell);
  if (driver.body === 'script') return resolveScript((cell.args as { script: string }).script, scope, site);
  return resolveArgs(cell.args, scope, site);
}

/** Parses resolved arguments with the driver's schema; a mismatch names the cell's file, line and field. */
export function parseCellArgs(cell: CellBlock, driver: AnyDriver, resolved: unknown): unknown {
  const parsed = driver.args.safeParse(resolved);
  if (parsed.success) return parsed.data;
  const issues = (parsed.error as ZodError).issues;
  const first = issues[0]!;
  const field = first.path.join('.');
  throw new StackbookError('BAD_ARGUMENT', `cell '${cell.name}' (${driver.name}): ${first.message}`, {
    location: { file: cell.provenance.file, line: siteOf(cell).lineOf(field), field: field || undefined },
    details: { issues: issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })) },
  });
}

/** Every secret name a cell's body mentions through `{{ secrets.NAME }}`. */
export function secretNamesIn(cell: CellBlock): string[] {
  return [...cell.body.matchAll(/\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map(
    (match) => match[1]!,
  );
}
