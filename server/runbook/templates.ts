import { StackbookError } from '../stackbook-error.ts';
import { isSecretRef, type SecretRef } from './datacentre-schema.ts';

/** What templates can reach. `cells` holds finished cells' typed results. */
export interface TemplateScope {
  dc: unknown;
  cells: Record<string, unknown>;
  run: Record<string, unknown>;
  /** Cells whose results are not known yet resolve to a `<cells.x.y>` placeholder (dry-runs). */
  placeholders?: boolean;
}

/** Where a template sits, for error messages: the cell, its file, and a line for each argument path. */
export interface TemplateSite {
  cell: string;
  file: string;
  lineOf(field: string): number | undefined;
}

const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]*?)\s*\}\}$/;
const SEGMENT = /^(?:[A-Za-z0-9_-]+|\*)$/;
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ROOTS = ['dc', 'cells', 'run', 'secrets'];

/** Splits `dc.machines[0].name` into segments; null when the path is not well-formed. */
function splitPath(path: string): string[] | null {
  const segments = path.replace(/\[(\d+|\*)\]/g, '.$1').split('.');
  return segments.every((segment) => SEGMENT.test(segment)) ? segments : null;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length ? `keys: ${keys.slice(0, 12).join(', ')}` : 'an empty object';
  }
  return `the value ${JSON.stringify(value)}`;
}

/** Looks one template path up in the scope; throws TEMPLATE_ERROR naming the cell and field. */
export function lookup(path: string, scope: TemplateScope, site: TemplateSite, field: string): unknown {
  const fail = (message: string): never => {
    throw new StackbookError('TEMPLATE_ERROR', `cell '${site.cell}': {{ ${path} }}: ${message}`, {
      location: { file: site.file, line: site.lineOf(field), field },
    });
  };
  const segments = splitPath(path);
  if (!segments || !segments.length) return fail('not a path (use dots, e.g. dc.machines.0.name)');
  const [root, ...rest] = segments as [string, ...string[]];
  if (!ROOTS.includes(root)) return fail(`unknown root '${root}' (roots: ${ROOTS.join(', ')})`);
  if (root === 'secrets') {
    if (rest.length !== 1 || !SECRET_NAME.test(rest[0]!)) return fail('use secrets.NAME');
    return { secret: rest[0]! } satisfies SecretRef;
  }
  if (root === 'cells' && rest.length && !(rest[0]! in scope.cells)) {
    if (scope.placeholders) return `<${path}>`;
    return fail(`cell '${rest[0]}' has no result in this run yet (run it first, or name it in needs)`);
  }
  const walk = (value: unknown, index: number, walked: string): unknown => {
    if (index === segments.length) return value;
    const segment = segments[index]!;
    const here = `${walked}.${segment}`;
    if (segment === '*') {
      if (!Array.isArray(value)) return fail(`'${walked}' is not a list, so '*' does not apply`);
      return value.map((item, i) => walk(item, index + 1, `${walked}.${i}`));
    }
    if (isSecretRef(value)) return fail(`'${walked}' is a secret reference; it has no '${segment}'`);
    if (Array.isArray(value) && /^\d+$/.test(segment) && Number(segment) < value.length) {
      return walk(value[Number(segment)], index + 1, here);
    }
    if (
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.hasOwn(value, segment)
    ) {
      return walk((value as Record<string, unknown>)[segment], index + 1, here);
    }
    return fail(`'${walked}' has no '${segment}' (${describe(value)})`);
  };
  const roots: Record<string, unknown> = { dc: scope.dc, cells: scope.cells, run: scope.run };
  return walk(roots[root], 1, root);
}

/**
 * Resolves the templates in a typed cell's arguments. A string that is exactly one template takes the
 * value's own type (a list stays a list); a template inside other text must be a scalar.
 */
export function resolveArgs(value: unknown, scope: TemplateScope, site: TemplateSite, field = ''): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return lookup(whole[1]!, scope, site, field);
    return value.replace(TEMPLATE, (_, path: string) => {
      const found = lookup(path, scope, site, field);
      if (isSecretRef(found)) {
        throw new StackbookError(
          'TEMPLATE_ERROR',
          `cell '${site.cell}': {{ ${path} }}: a secret must be a whole value, not part of a text`,
          { location: { file: site.file, line: site.lineOf(field), field } },
        );
      }
      if (found !== null && typeof found === 'object') {
        throw new StackbookError(
          'TEMPLATE_ERROR',
          `cell '${site.cell}': {{ ${path} }}: ${describe(found)} cannot be part of a text; make the template the whole value`,
          { location: { file: site.file, line: site.lineOf(field), field } },
        );
      }
      return found === null || found === undefined ? '' : String(found);
    });
  }
  const child = (key: string | number) => (field ? `${field}.${key}` : String(key));
  if (Array.isArray(value)) return value.map((item, index) => resolveArgs(item, scope, site, child(index)));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolveArgs(item, scope, site, child(key))]),
    );
  }
  return value;
}

/** Quotes one word for POSIX shells: the result is always a single, inert word. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The environment variable a secret reaches a script through. */
export function secretEnvName(name: string): string {
  return `STACKBOOK_SECRET_${name}`;
}

/**
 * Resolves the templates in a shell script. Every value is shell-quoted (a list becomes quoted words), so a
 * datacentre value can never inject a command; a secret becomes a quoted environment variable reference and
 * its value reaches the process through its environment only.
 */
export function resolveScript(
  script: string,
  scope: TemplateScope,
  site: TemplateSite,
): { script: string; secretEnv: Record<string, string> } {
  const secretEnv: Record<string, string> = {};
  const lines = script.split('\n').map((line, index) =>
    line.replace(TEMPLATE, (_, path: string) => {
      const field = `script line ${index + 1}`;
      const value = lookup(path, scope, { ...site, lineOf: () => site.lineOf(field) }, field);
      const quote = (item: unknown): string => {
        if (isSecretRef(item)) {
          secretEnv[secretEnvName(item.secret)] = item.secret;
          return `"$${secretEnvName(item.secret)}"`;
        }
        if (item === null || item === undefined) return "''";
        return shellQuote(typeof item === 'object' ? JSON.stringify(item) : String(item));
      };
      return Array.isArray(value) ? value.map(quote).join(' ') : quote(value);
    }),
  );
  return { script: lines.join('\n'), secretEnv };
}
