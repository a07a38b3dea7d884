/** The schema form's leaf fields: text and number inputs, selects, checkboxes, chip lists, tuples, maps, secrets. */
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { parse } from 'yaml';
import { normaliseField } from '../../lib/field-checks.ts';
import { childSchema, emptyValue, fieldKind, type JsonSchema } from '../../lib/json-schema.ts';
import type { Path } from '../../lib/profile-document.ts';
import type { SchemaFormEdit } from './schema-form-change.ts';

/** How a field is placed: `required` keeps an emptied field as '' instead of removing its key. */
export interface FieldOptions {
  required?: boolean;
  label?: string;
}

/** What the leaf renderers need from the form that hosts them. */
export interface FormContext {
  /** `data-testid` of a field's part: `dc-field-machines[0].mac[0]`, `dc-remove-machines[1]`, … */
  testId(part: 'field' | 'password' | 'key' | 'add' | 'remove' | 'section', path: Path): string;
  /** The problem to show at a field: its own check on the current value first, then the server's. */
  error(path: Path, value: unknown): string | undefined;
  /** True when the field or anything inside it has a problem. */
  hasErrorUnder(path: Path, value: unknown): boolean;
  /** The message element for a field, or nothing. */
  errorAt(path: Path, value: unknown): TemplateResult | typeof nothing;
  edit(edit: SchemaFormEdit): void;
  /** Any field, by its schema (recursion back into the form). */
  field(schema: JsonSchema, path: Path, value: unknown, options?: FieldOptions): TemplateResult;
  /** A label and a field, laid out as one row of a fieldset's grid. */
  row(key: string, schema: JsonSchema, path: Path, value: unknown, required: boolean): TemplateResult;
  /** How a secret name stands, as shown to the operator ("set (env)", "not set", "will be set"). */
  secretStatus(name: string): string;
  /** The value typed for a secret in this session, never one from the server. */
  secretValue(name: string): string;
  setSecret(name: string, value: string): void;
  expanded(path: Path): boolean;
  toggle(path: Path): void;
}

/** A value as input text: lists and maps as JSON so nothing shows as "[object Object]". */
export function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

// Numeric text becomes a number; anything else stays text for the checks and the server to name.
const numberOrText = (text: string): unknown => (/^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text);

/** Text for a field of any type: a YAML scalar (`1`, `true`, `pool.ntp.org`), never a structure. */
function scalarOf(text: string): unknown {
  if (text.trim() === '') return text;
  try {
    const value: unknown = parse(text);
    return value === null || typeof value !== 'object' ? value : text;
  } catch {
    return text;
  }
}

const target = (event: Event) => event.target as HTMLInputElement;

/** A text input for a string, number or untyped scalar. Leaving an optional field empty removes it. */
export function scalarInput(
  ctx: FormContext,
  kind: 'string' | 'number' | 'any',
  schema: JsonSchema,
  path: Path,
  value: unknown,
  options: FieldOptions & { placeholder?: string; size?: number } = {},
): TemplateResult {
  const convert = kind === 'number' ? numberOrText : kind === 'any' ? scalarOf : (text: string) => text;
  const invalid = !!ctx.error(path, value);
  return html`<input
      class=${kind}
      data-testid=${ctx.testId('field', path)}
      aria-label=${options.label ?? nothing}
      aria-invalid=${invalid ? 'true' : 'false'}
      title=${schema.description ?? nothing}
      inputmode=${kind === 'number' ? 'numeric' : nothing}
      placeholder=${options.placeholder ?? textOf(schema.default)}
      size=${options.size ?? nothing}
      .value=${live(textOf(value))}
      @input=${(event: Event) => ctx.edit({ op: 'set', path, value: convert(target(event).value) })}
      @change=${(event: Event) => {
        const text = target(event).value;
        if (text.trim() === '' && !options.required) ctx.edit({ op: 'delete', path });
        else if (normaliseField(path, text) !== text)
          ctx.edit({ op: 'set', path, value: convert(normaliseField(path, text)) });
      }}
    />${ctx.errorAt(path, value)}`;
}

/** A select for an enum; a checkbox for a boolean. */
export function choiceInput(
  ctx: FormContext,
  schema: JsonSchema,
  path: Path,
  value: unknown,
  label?: string,
) {
  if (fieldKind(schema) === 'boolean')
    return html`<input
        type="checkbox"
        data-testid=${ctx.testId('field', path)}
        aria-label=${label ?? nothing}
        .checked=${live(value === true)}
        @change=${(event: Event) => ctx.edit({ op: 'set', path, value: target(event).checked })}
      />${ctx.errorAt(path, value)}`;
  const options = schema.enum ?? [];
  return html`<select
      data-testid=${ctx.testId('field', path)}
      aria-label=${label ?? nothing}
      @change=${(event: Event) =>
        ctx.edit({ op: 'set', path, value: options[(event.target as HTMLSelectElement).selectedIndex - 1] })}
    >
      <option value="" ?selected=${!options.includes(value)} disabled>choose…</option>
      ${options.map((option) => html`<option ?selected=${option === value}>${textOf(option)}</option>`)}</select
    >${ctx.errorAt(path, value)}`;
}

/**
 * A list of scalars as chips, each an input, with an empty one at the end: typing there appends, so the
 * focused input simply becomes the new item. A lone value (`mac: aa:…`) shows as a one-item list.
 */
export function listInput(ctx: FormContext, schema: JsonSchema, path: Path, value: unknown, label?: string) {
  const items = Array.isArray(value) ? (value as unknown[]) : value == null ? [] : [value];
  const kind = fieldKind(childSchema(schema, 0) ?? {}) === 'number' ? 'number' : 'string';
  return html`<div class="chips" role="group" aria-label=${label ?? nothing}>
      ${[...items, ''].map((item, i) => {
        const at = [...path, i];
        const isItem = i < items.length;
        return html`<span class="chip">
          ${scalarInput(ctx, kind, {}, at, item, {
            label: `${label ?? ''} ${i + 1}`,
            placeholder: isItem ? '' : 'add…',
            size: Math.max(8, textOf(item).length + 1),
          })}${
            isItem
              ? html`<button
                  class="x"
                  type="button"
                  title="Remove"
                  aria-label="Remove ${textOf(item)}"
                  data-testid=${ctx.testId('remove', at)}
                  @click=${() => ctx.edit({ op: 'delete', path: at })}
                >
                  ×
                </button>`
              : nothing
          }
        </span>`;
      })}
    </div>
    ${ctx.errorAt(path, undefined)}`;
}

/** A fixed-length list (`dhcp_range: [start, end]`): one input per position, all required. */
export function tupleInput(ctx: FormContext, schema: JsonSchema, path: Path, value: unknown, label?: string) {
  const items = Array.isArray(value) ? (value as unknown[]) : [];
  return html`<span class="tuple" role="group" aria-label=${label ?? nothing}>
      ${(schema.prefixItems ?? []).map((item, i) =>
        scalarInput(ctx, fieldKind(item) === 'number' ? 'number' : 'string', item, [...path, i], items[i], {
          required: true,
          label: `${label ?? ''} ${i + 1}`,
        }),
      )}
    </span>
    ${ctx.errorAt(path, undefined)}`;
}

/** A map of free names (`params`, `images.mirrors`): rename in place, remove, add by typing a new name. */
export function recordInput(ctx: FormContext, schema: JsonSchema, path: Path, value: unknown) {
  const map = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  const valueSchema = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {};
  return html`<div class="record">
    ${Object.entries(map).map(
      ([key, item]) =>
        html`<div class="entry">
          <input
            class="key"
            aria-label="name"
            data-testid=${ctx.testId('key', [...path, key])}
            .value=${live(key)}
            @change=${(event: Event) => {
              const next = target(event).value.trim();
              if (next && !(next in map)) ctx.edit({ op: 'rename', path: [...path, key], key: next });
              else target(event).value = key;
            }}
          />
          <span class="value"
            >${ctx.field(valueSchema, [...path, key], item, { required: true, label: key })}</span
          >
          <button
            class="x"
            type="button"
            title="Remove ${key}"
            data-testid=${ctx.testId('remove', [...path, key])}
            @click=${() => ctx.edit({ op: 'delete', path: [...path, key] })}
          >
            ×
          </button>
        </div>`,
    )}
    <div class="entry">
      <input
        class="key"
        placeholder="add a name…"
        aria-label="new name"
        data-testid=${ctx.testId('add', path)}
        @change=${(event: Event) => {
          const key = target(event).value.trim();
          if (key && !(key in map))
            ctx.edit({ op: 'set', path: [...path, key], value: emptyValue(valueSchema) });
          target(event).value = '';
        }}
      />
    </div>
  </div>`;
}
