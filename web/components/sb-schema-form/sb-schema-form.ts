import { html, LitElement, nothing, type TemplateResult } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { checkField } from '../../lib/field-checks.ts';
import { fieldKind, labelOf, type JsonSchema } from '../../lib/json-schema.ts';
import { readablePath, type Path } from '../../lib/profile-document.ts';
import { cardsField, tableField, type TableOptions } from './schema-form-array.ts';
import { applyEdit, type SchemaFormChange, type SchemaFormEdit } from './schema-form-change.ts';
import {
  choiceInput,
  listInput,
  recordInput,
  scalarInput,
  tupleInput,
  type FieldOptions,
  type FormContext,
} from './schema-form-inputs.ts';
import { secretInput, secretName } from './schema-form-secret.ts';
import { schemaFormStyles } from './sb-schema-form.styles.ts';
import { schemaTableStyles } from './schema-table.styles.ts';

export type { TableOptions } from './schema-form-array.ts';
export type { SchemaFormChange, SchemaFormEdit, SchemaFormSecret } from './schema-form-change.ts';

/** Whether a secret has a value on the server, as GET /api/datacentres/:name lists it. */
export interface SecretState {
  set: boolean;
  source: 'env' | 'file' | null;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const COMPLEX = new Set(['object', 'record', 'array']);

/**
 * A form generated from a JSON Schema (as zod's `toJSONSchema` writes it): objects as fieldsets, lists of
 * scalars as chips, lists of objects as tables (see `tables`) or cards, maps of free names as name/value rows,
 * `{ secret: NAME }` as a secret name plus a write-only value. It holds no copy of the data: each edit is raised
 * and the host passes the new `value` back. Every input has `data-testid="<prefix>-field-<path>"`.
 *
 * @fires sb-change - an edit (`set`, `delete`, `rename` at a path) and the whole value after it
 * @fires sb-secret - a value typed for a secret name; it never enters `value`
 */
@customElement('sb-schema-form')
export class SbSchemaForm extends LitElement {
  static override styles = [schemaFormStyles, schemaTableStyles];

  /** The JSON Schema of the value. */
  @property({ attribute: false }) schema: JsonSchema = {};
  /** The value shown. */
  @property({ attribute: false }) value: unknown = {};
  /** Problems to show at fields, by readable path (`machines[2].mac[0]`); `''` is not shown here. */
  @property({ attribute: false }) errors: Record<string, string> = {};
  /** Lists of objects shown as tables, by readable path of the list (`machines`). */
  @property({ attribute: false }) tables: Record<string, TableOptions> = {};
  /** Which secret names have a value on the server. */
  @property({ attribute: false }) secretStates: Record<string, SecretState> = {};
  /** Secret values typed in this session, by name (shown back only in their own password inputs). */
  @property({ attribute: false }) secrets: Record<string, string> = {};
  /** The `data-testid` prefix. */
  @property({ attribute: 'test-prefix' }) testPrefix = 'dc';

  @state() private _expanded = new Set<string>();

  /** Focuses the input of a field (readable path), opening its row if needed; false when there is none. */
  async focusField(field: string): Promise<boolean> {
    const path = field.replace(/(\[\d+\]).*$/, '$1');
    if (path !== field && !this._expanded.has(path)) {
      this._expanded = new Set([...this._expanded, path]);
      await this.updateComplete;
    }
    const input = this.renderRoot.querySelector<HTMLElement>(
      `[data-testid="${CSS.escape(`${this.testPrefix}-field-${field}`)}"]`,
    );
    input?.scrollIntoView({ block: 'center' });
    input?.focus();
    return !!input;
  }

  readonly #ctx: FormContext = {
    testId: (part, path) => `${this.testPrefix}-${part}-${readablePath(path)}`,
    error: (path, value) => {
      const name = secretName(value);
      const local = name ? checkField([...path, 'secret'], name) : checkField(path, value);
      return local ?? this.errors[readablePath(path)];
    },
    hasErrorUnder: (path, value) => {
      const prefix = readablePath(path);
      if (Object.keys(this.errors).some((key) => key === prefix || key.startsWith(`${prefix}.`))) return true;
      if (Object.keys(this.errors).some((key) => key.startsWith(`${prefix}[`))) return true;
      const walk = (at: Path, v: unknown): boolean =>
        Array.isArray(v)
          ? v.some((item, i) => walk([...at, i], item))
          : isObject(v) && !secretName(v)
            ? Object.entries(v).some(([key, item]) => walk([...at, key], item))
            : !!this.#ctx.error(at, v);
      return walk(path, value);
    },
    errorAt: (path, value) => {
      const message = this.#ctx.error(path, value);
      return message
        ? html`<span class="error" role="alert" data-testid="${this.testPrefix}-field-error"
            >${message}</span
          >`
        : nothing;
    },
    edit: (edit) => this.#raise(edit),
    field: (schema, path, value, options) => this.#field(schema, path, value, options),
    row: (key, schema, path, value, required) => this.#row(key, schema, path, value, required),
    secretStatus: (name) => {
      if (this.secrets[name]) return 'will be set on save';
      const known = this.secretStates[name];
      if (!known?.set) return 'not set';
      return known.source === 'env' ? 'set (environment)' : 'set (secrets.env)';
    },
    secretValue: (name) => this.secrets[name] ?? '',
    setSecret: (name, value) =>
      this.dispatchEvent(
        new CustomEvent('sb-secret', { detail: { name, value }, bubbles: true, composed: true }),
      ),
    expanded: (path) => this._expanded.has(readablePath(path)),
    toggle: (path) => {
      const key = readablePath(path);
      const next = new Set(this._expanded);
      if (!next.delete(key)) next.add(key);
      this._expanded = next;
    },
  };

  #raise(edit: SchemaFormEdit) {
    const detail: SchemaFormChange = { ...edit, root: applyEdit(this.value, edit) };
    this.dispatchEvent(new CustomEvent('sb-change', { detail, bubbles: true, composed: true }));
  }

  override render() {
    return this.#field(this.schema, [], this.value, { required: true });
  }

  #field(schema: JsonSchema, path: Path, value: unknown, options: FieldOptions = {}): TemplateResult {
    const ctx = this.#ctx;
    const label = options.label ?? String(path.at(-1) ?? '');
    switch (fieldKind(schema)) {
      case 'object':
        return this.#object(schema, path, value, options);
      case 'record':
        return recordInput(ctx, schema, path, value);
      case 'array': {
        const table = this.tables[readablePath(path)];
        return table
          ? tableField(ctx, schema, path, value, table)
          : cardsField(ctx, schema, path, value, label);
      }
      case 'list':
        return listInput(ctx, schema, path, value, label);
      case 'tuple':
        return tupleInput(ctx, schema, path, value, label);
      case 'secret':
        return secretInput(ctx, path, value, options);
      case 'enum':
      case 'boolean':
        return choiceInput(ctx, schema, path, value, label);
      case 'number':
        return scalarInput(ctx, 'number', schema, path, value, options);
      case 'string':
        return scalarInput(ctx, 'string', schema, path, value, options);
      default:
        return isObject(value) || Array.isArray(value)
          ? html`<code class="raw">${JSON.stringify(value)}</code> <span class="muted">(edit in YAML)</span>`
          : scalarInput(ctx, 'any', schema, path, value, options);
    }
  }

  /** A fieldset: simple fields as label/field rows, nested objects and lists as their own fieldsets. */
  #object(schema: JsonSchema, path: Path, value: unknown, options: FieldOptions): TemplateResult {
    const object = isObject(value) ? value : {};
    const required = new Set(schema.required ?? []);
    const entries = Object.entries(schema.properties ?? {});
    const body = html`${path.length ? this.#ctx.errorAt(path, undefined) : nothing}
      <div class="grid">
        ${entries.map(([key, child]) => this.#row(key, child, [...path, key], object[key], required.has(key)))}
      </div>`;
    if (!path.length) return html`<div class="root">${body}</div>`;
    // An optional section that is present can be taken out whole (an emptied one would not validate).
    const removable = !options.required && isObject(value);
    return html`<fieldset class="object" data-testid=${this.#ctx.testId('section', path)}>
      <legend>
        ${labelOf(options.label ?? path.at(-1) ?? '', schema)}
        ${
          removable
            ? html`<button
                type="button"
                class="link"
                data-testid=${this.#ctx.testId('remove', path)}
                @click=${() => this.#raise({ op: 'delete', path })}
              >
                remove
              </button>`
            : nothing
        }
      </legend>
      ${body}
    </fieldset>`;
  }

  #row(key: string, schema: JsonSchema, path: Path, value: unknown, required: boolean): TemplateResult {
    const kind = fieldKind(schema);
    const title = labelOf(key, schema);
    if (COMPLEX.has(kind)) {
      const inner = this.#field(schema, path, value, { required, label: key });
      return kind === 'object'
        ? html`<div class="wide">${inner}</div>`
        : html`<fieldset class="wide object" data-testid=${this.#ctx.testId('section', path)}>
            <legend>${title}${required ? html`<span class="req">*</span>` : nothing}</legend>
            ${inner}
          </fieldset>`;
    }
    return html`<span class="label" title=${schema.description ?? nothing}
        >${title}${required ? html`<span class="req">*</span>` : nothing}</span
      >
      <div class="control">${this.#field(schema, path, value, { required, label: key })}</div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-schema-form': SbSchemaForm;
  }
}
