/** The `{ secret: NAME }` field: which secret a field uses, and a write-only box to give that secret a value. */
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { checkSecretName } from '../../lib/field-checks.ts';
import type { Path } from '../../lib/profile-document.ts';
import type { FieldOptions, FormContext } from './schema-form-inputs.ts';

/** The secret name in a `{ secret: NAME }` value, or '' when the value is not one. */
export function secretName(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return '';
  const name = (value as Record<string, unknown>).secret;
  return typeof name === 'string' ? name : '';
}

/**
 * A secret reference: an input for the secret's name (what the profile holds) and a password input whose
 * value goes to the hosting form's secrets map (to secrets.env on save), never into the profile. The value
 * is never read back: the status only says whether the server has one.
 */
export function secretInput(
  ctx: FormContext,
  path: Path,
  value: unknown,
  options: FieldOptions = {},
): TemplateResult {
  const name = secretName(value);
  const isRef = value !== null && typeof value === 'object' && !Array.isArray(value);
  const usable = name !== '' && checkSecretName(name) === undefined;
  const status = usable ? ctx.secretStatus(name) : '';
  const label = options.label ?? 'secret';
  return html`<span class="secret">
    <input
      class="secret-name"
      data-testid=${ctx.testId('field', path)}
      aria-label="${label}: secret name"
      aria-invalid=${ctx.error(path, value) ? 'true' : 'false'}
      placeholder="SECRET_NAME"
      title=${name || nothing}
      spellcheck="false"
      .value=${live(name)}
      @input=${(event: Event) => {
        const text = (event.target as HTMLInputElement).value;
        // Change the name inside an existing reference, so the reference keeps its place and style.
        if (isRef) ctx.edit({ op: 'set', path: [...path, 'secret'], value: text });
        else ctx.edit({ op: 'set', path, value: { secret: text } });
      }}
    />
    <input
      type="password"
      class="secret-value"
      autocomplete="new-password"
      data-testid=${ctx.testId('password', path)}
      aria-label="${label}: new value for ${name || 'the secret'}"
      placeholder=${usable ? (status.startsWith('set') ? 'replace value…' : 'value…') : 'name it first'}
      ?disabled=${!usable}
      .value=${live(usable ? ctx.secretValue(name) : '')}
      @input=${(event: Event) => ctx.setSecret(name, (event.target as HTMLInputElement).value)}
    />
    ${
      status
        ? html`<span class="secret-status ${status.startsWith('not') ? 'unset' : 'set'}">${status}</span>`
        : nothing
    }
    ${ctx.errorAt(path, value)}
  </span>`;
}
