/** Lists of objects in the schema form: a table with a row per item (machines), or a card per item. */
import { html, nothing, type TemplateResult } from 'lit';
import { childSchema, emptyValue, labelOf, type JsonSchema } from '../../lib/json-schema.ts';
import type { Path } from '../../lib/profile-document.ts';
import type { FormContext } from './schema-form-inputs.ts';

/** How a list of objects shows as a table. */
export interface TableOptions {
  /** Properties shown as columns, in order; the others open under the row ("more"). */
  columns: string[];
  /** What one item is called: "machine" gives "Add machine". */
  itemLabel: string;
  /** `data-testid` of each row and of the add button. */
  rowTestId?: string;
  addTestId?: string;
  /** The value of a new item, given the current ones (defaults to the schema's required fields). */
  newItem?: (items: unknown[]) => unknown;
}

const asObject = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : []);

function addButton(
  ctx: FormContext,
  path: Path,
  items: unknown[],
  label: string,
  value: unknown,
  testId?: string,
) {
  return html`<button
    class="add"
    type="button"
    data-testid=${testId ?? ctx.testId('add', path)}
    @click=${() => ctx.edit({ op: 'set', path: [...path, items.length], value })}
  >
    Add ${label}
  </button>`;
}

function removeButton(ctx: FormContext, path: Path, label: string) {
  return html`<button
    class="remove"
    type="button"
    title="Remove ${label}"
    data-testid=${ctx.testId('remove', path)}
    @click=${() => ctx.edit({ op: 'delete', path })}
  >
    Remove
  </button>`;
}

/**
 * A table, one row per item and one column per chosen property; the table scrolls sideways on a narrow window.
 * The other properties open in a row underneath, by themselves when one of them has a problem.
 */
export function tableField(
  ctx: FormContext,
  schema: JsonSchema,
  path: Path,
  value: unknown,
  options: TableOptions,
): TemplateResult {
  const items = asList(value);
  const itemSchema = childSchema(schema, 0) ?? {};
  const props = itemSchema.properties ?? {};
  const required = new Set(itemSchema.required ?? []);
  const columns = options.columns.filter((key) => props[key]);
  const rest = Object.keys(props).filter((key) => !columns.includes(key));
  const row = (item: unknown, index: number) => {
    const at = [...path, index];
    const object = asObject(item);
    const restHasError = rest.some((key) => ctx.hasErrorUnder([...at, key], object[key]));
    const open = ctx.expanded(at) || restHasError;
    const rowError = ctx.errorAt(at, undefined);
    return html`<tr data-testid=${options.rowTestId ?? nothing} class=${restHasError ? 'invalid' : ''}>
        ${columns.map(
          (key) =>
            html`<td data-col=${key}>
              ${ctx.field(props[key]!, [...at, key], object[key], { required: required.has(key), label: key })}
            </td>`,
        )}
        <td class="actions">
          ${
            rest.length
              ? html`<button
                  type="button"
                  class="more"
                  aria-expanded=${open ? 'true' : 'false'}
                  ?disabled=${restHasError}
                  @click=${() => ctx.toggle(at)}
                >
                  ${open ? 'Less' : 'More'}
                </button>`
              : nothing
          }
          ${removeButton(ctx, at, `${options.itemLabel} ${String(object.name ?? index + 1)}`)}
        </td>
      </tr>
      ${
        open || rowError !== nothing
          ? html`<tr class="details">
              <td colspan=${columns.length + 1}>
                ${rowError}
                ${
                  open
                    ? html`<div class="grid">
                        ${rest.map((key) => ctx.row(key, props[key]!, [...at, key], object[key], required.has(key)))}
                      </div>`
                    : nothing
                }
              </td>
            </tr>`
          : nothing
      }`;
  };
  return html`<div class="table-scroll">
      <table>
        <thead>
          <tr>
            ${columns.map(
              (key) =>
                html`<th data-col=${key} title=${props[key]!.description ?? nothing}>
                  ${labelOf(key, props[key])}${required.has(key) ? html`<span class="req">*</span>` : nothing}
                </th>`,
            )}
            <th><span class="sr">actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${items.map(row)}
        </tbody>
      </table>
    </div>
    ${items.length ? nothing : html`<p class="muted">No ${options.itemLabel}s yet.</p>`}
    ${ctx.errorAt(path, undefined)}
    ${addButton(
      ctx,
      path,
      items,
      options.itemLabel,
      options.newItem ? options.newItem(items) : emptyValue(itemSchema),
      options.addTestId,
    )}`;
}

/** A card (fieldset) per item with a remove button, and an add button: for lists that need no table. */
export function cardsField(ctx: FormContext, schema: JsonSchema, path: Path, value: unknown, label: string) {
  const items = asList(value);
  const itemSchema = childSchema(schema, 0) ?? {};
  return html`<div class="cards">
      ${items.map(
        (item, index) =>
          html`<div class="card">
            ${ctx.field(itemSchema, [...path, index], item, { required: true, label: `${label} ${index + 1}` })}
            ${removeButton(ctx, [...path, index], `${label} ${index + 1}`)}
          </div>`,
      )}
    </div>
    ${ctx.errorAt(path, undefined)} ${addButton(ctx, path, items, `to ${label}`, emptyValue(itemSchema))}`;
}
