import { Task, TaskStatus } from '@lit/task';
import { html, LitElement, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { datacentresApi, type DatacentreView, type ProfileIssue } from '../../api/datacentres-api.ts';
import { propertyOrder } from '../../lib/json-schema.ts';
import { parsePath, ProfileDocument, readablePath, type Path } from '../../lib/profile-document.ts';
import '../sb-schema-form/sb-schema-form.ts';
import type {
  SbSchemaForm,
  SchemaFormChange,
  SchemaFormSecret,
  SecretState,
} from '../sb-schema-form/sb-schema-form.ts';
import { fieldErrors, isUnder, issueList, selectLine, type PlacedIssue } from './dc-issue-list.ts';
import { secretsPanel } from './dc-secrets-panel.ts';
import { MACHINE_TABLE } from './machine-table.ts';
import { dcEditorStyles } from './sb-dc-editor.styles.ts';
import './sb-dc-overlays.ts';

/**
 * The datacentre editor: the profile as a form generated from its JSON Schema (machines as a table), a raw
 * YAML tab for the rest, write-only secrets and the datacentre's overlay cells. Edits go through the YAML
 * document, so comments survive; saving validates on the server, then writes, and puts the server's
 * problems at their fields. A failed save keeps every edit and typed secret.
 */
@customElement('sb-dc-editor')
export class SbDcEditor extends LitElement {
  static override styles = dcEditorStyles;

  /** The datacentre's name (its folder under the datacentres directory). */
  @property() name = '';

  /** The datacentre as last loaded or saved. */
  @state() private _view: DatacentreView | undefined;
  /** The YAML being edited: what Save sends. */
  @state() private _text = '';
  @state() private _value: Record<string, unknown> = {};
  /** Secret values typed since the last save, by name. */
  @state() private _secrets: Record<string, string> = {};
  @state() private _issues: PlacedIssue[] = [];
  @state() private _tab: 'form' | 'yaml' = 'form';
  @state() private _message: { kind: 'ok' | 'error'; text: string } | undefined;
  @query('sb-schema-form') private _form!: SbSchemaForm | null;
  @query('textarea') private _textarea!: HTMLTextAreaElement | null;
  #doc = ProfileDocument.parse('');

  #load = new Task(this, {
    task: async ([name]) => {
      const view = await datacentresApi.get(name!);
      this._message = undefined;
      this.#reset(view);
      return view;
    },
    args: () => [this.name] as const,
  });

  #save = new Task(this, {
    autoRun: false,
    task: async () => {
      this._message = undefined;
      const outcome = await datacentresApi.save(this._view!.name, this._text, this._secrets);
      if (!outcome.ok) {
        this.#showIssues(outcome.issues);
        this._message = { kind: 'error', text: 'Not saved: fix the problems below (your edits are kept).' };
        return;
      }
      this.#reset(outcome.view);
      this._message = { kind: 'ok', text: `Saved ${outcome.view.file}.` };
    },
  });

  // A reload or closed tab would lose the edits; links inside the app keep this element's state anyway.
  #onBeforeUnload = (event: BeforeUnloadEvent) => {
    if (this.#dirty) event.preventDefault();
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('beforeunload', this.#onBeforeUnload);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('beforeunload', this.#onBeforeUnload);
    super.disconnectedCallback();
  }

  get #dirty(): boolean {
    return !!this._view && (this._text !== this._view.yaml || Object.values(this._secrets).some(Boolean));
  }

  #reset(view: DatacentreView) {
    this._view = view;
    this._secrets = {};
    this._issues = [];
    this.#setText(view.yaml);
  }

  #setText(text: string) {
    this.#doc = ProfileDocument.parse(text);
    this._text = text;
    this._value = this.#doc.toJS();
  }

  #showIssues(issues: ProfileIssue[]) {
    const schema = this._view?.schema ?? {};
    this._issues = issues.map((issue) => ({
      ...issue,
      at: readablePath(this.#doc.formPath(issue.field, schema)),
    }));
  }

  /** Applies a form edit to the YAML document; problems reported under the edited field are now stale. */
  #onChange({ detail: edit }: CustomEvent<SchemaFormChange>) {
    try {
      const order = propertyOrder(this._view?.schema ?? {}, edit.path.slice(0, -1));
      if (edit.op === 'set') this.#doc.set(edit.path, edit.value, order);
      else if (edit.op === 'delete') this.#doc.delete(edit.path);
      else this.#doc.renameKey(edit.path, edit.key);
    } catch (error) {
      this._message = { kind: 'error', text: `Could not apply the edit: ${(error as Error).message}` };
      return;
    }
    this._text = this.#doc.toString();
    this._value = this.#doc.toJS();
    // Removing a list item moves the later ones up, so their problems no longer match their rows.
    const removedItem = edit.op === 'delete' && typeof edit.path.at(-1) === 'number';
    this.#dropIssuesUnder(removedItem ? edit.path.slice(0, -1) : edit.path);
  }

  #dropIssuesUnder(path: Path) {
    const prefix = readablePath(path);
    if (!prefix || !this._issues.some((issue) => isUnder(issue.at, prefix))) return;
    this._issues = this._issues.filter((issue) => !isUnder(issue.at, prefix));
    if (!this._issues.length && this._message?.kind === 'error') this._message = undefined;
  }

  #setSecret({ name, value }: SchemaFormSecret) {
    const next = { ...this._secrets };
    if (value) next[name] = value;
    else delete next[name];
    this._secrets = next;
  }

  /** Goes to an issue: its field in the form, or its line in the YAML. */
  async #goTo(issue: PlacedIssue) {
    if (this._tab === 'form' && issue.at && (await this._form?.focusField(issue.at))) return;
    this._tab = 'yaml';
    await this.updateComplete;
    // Edits since the save may have moved the field; its line in the current text is where it is now.
    const line = issue.at ? this.#doc.lineOf(parsePath(issue.at)) : issue.line;
    if (this._textarea) selectLine(this._textarea, line);
  }

  override render() {
    return this.#load.render({
      pending: () =>
        this._view?.name === this.name ? this.#page(this._view) : html`<p>Loading ${this.name}…</p>`,
      error: (error) =>
        html`<p class="message error" data-testid="dc-load-error">${(error as Error).message}</p>`,
      complete: () => (this._view ? this.#page(this._view) : nothing),
    });
  }

  #page(view: DatacentreView) {
    const saving = this.#save.status === TaskStatus.PENDING;
    return html`
      <header>
        <h1>Datacentre ${view.name}</h1>
        <span class="muted mono">${view.file}</span>
        <span class="spacer"></span>
        ${this.#dirty ? html`<span class="muted" data-testid="dc-dirty">unsaved changes</span>` : nothing}
        <button
          class="primary"
          data-testid="dc-save"
          ?disabled=${saving || !this.#dirty}
          @click=${() => this.#save.run()}
        >
          ${saving ? 'Saving…' : 'Save'}
        </button>
      </header>
      ${this.#save.render({ error: (error) => html`<p class="message error">${(error as Error).message}</p>` })}
      ${
        this._message
          ? html`<p class="message ${this._message.kind}" data-testid="dc-message" role="status">
              ${this._message.text}
            </p>`
          : nothing
      }
      ${issueList(this._issues, (issue) => void this.#goTo(issue))}
      ${view.secrets_error ? html`<p class="message error">secrets.env: ${view.secrets_error}</p>` : nothing}
      <div class="tabs" role="tablist">
        ${(['form', 'yaml'] as const).map(
          (tab) =>
            html`<button
              role="tab"
              data-testid="dc-tab-${tab}"
              aria-selected=${this._tab === tab ? 'true' : 'false'}
              @click=${() => (this._tab = tab)}
            >
              ${tab === 'form' ? 'Form' : 'YAML'}
            </button>`,
        )}
      </div>
      ${this._tab === 'yaml' ? this.#yamlTab() : this.#formTab(view)}
      <h2>Secrets</h2>
      ${secretsPanel(this._value, view.secrets, this._secrets, (detail) => this.#setSecret(detail))}
      <h2>Overlay cells</h2>
      <sb-dc-overlays .name=${view.name} .overlays=${view.overlays}></sb-dc-overlays>
    `;
  }

  #yamlTab() {
    return html`<textarea
      data-testid="dc-yaml"
      spellcheck="false"
      aria-label="datacentre.yaml"
      .value=${live(this._text)}
      @input=${(event: Event) => this.#setText((event.target as HTMLTextAreaElement).value)}
    ></textarea>`;
  }

  #formTab(view: DatacentreView) {
    const syntax = this.#doc.errors;
    // A document that does not parse has no trustworthy structure to put a form on.
    if (syntax.length)
      return html`<p class="message error" data-testid="dc-yaml-error">
        The YAML does not parse (${syntax.length} error${syntax.length === 1 ? '' : 's'}; the first: line
        ${syntax[0]!.line}, ${syntax[0]!.message}). Fix it in the YAML tab.
      </p>`;
    return html`<sb-schema-form
      .schema=${view.schema}
      .value=${this._value}
      .errors=${fieldErrors(this._issues)}
      .tables=${MACHINE_TABLE}
      .secretStates=${Object.fromEntries(view.secrets.map((s): [string, SecretState] => [s.name, s]))}
      .secrets=${this._secrets}
      @sb-change=${this.#onChange}
      @sb-secret=${(event: CustomEvent<SchemaFormSecret>) => this.#setSecret(event.detail)}
    ></sb-schema-form>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sb-dc-editor': SbDcEditor;
  }
}
