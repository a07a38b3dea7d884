/** The datacentre's secrets in one place: each name once, whether it is set, where it is used, a new value. */
import { html, nothing } from 'lit';
import { live } from 'lit/directives/live.js';
import type { SecretStatus } from '../../api/datacentres-api.ts';
import { readablePath, type Path } from '../../lib/profile-document.ts';
import type { SchemaFormSecret } from '../sb-schema-form/sb-schema-form.ts';

/** Every `{ secret: NAME }` in a profile with the fields that use it, in document order. */
export function secretUses(value: unknown, path: Path = [], uses = new Map<string, string[]>()) {
  if (Array.isArray(value)) value.forEach((item, i) => secretUses(item, [...path, i], uses));
  else if (value !== null && typeof value === 'object') {
    const secret = (value as Record<string, unknown>).secret;
    if (typeof secret === 'string' && Object.keys(value).length === 1) {
      if (secret) uses.set(secret, [...(uses.get(secret) ?? []), readablePath(path)]);
    } else Object.entries(value).forEach(([key, item]) => secretUses(item, [...path, key], uses));
  }
  return uses;
}

function statusText(known: SecretStatus | undefined, pending: boolean): string {
  if (pending) return 'will be set on save';
  if (!known?.set) return 'not set';
  return known.source === 'env' ? 'set (environment)' : 'set (secrets.env)';
}

/**
 * One row per secret name the profile references (as edited) or the server knows: its status, the fields
 * that use it and a write-only input; `data-testid="dc-secret-<NAME>"` on the row, `…-value` on the input.
 * A secret set in the environment wins over secrets.env, so typing one here is flagged as having no effect.
 */
export function secretsPanel(
  value: unknown,
  known: SecretStatus[],
  pending: Record<string, string>,
  onSecret: (detail: SchemaFormSecret) => void,
) {
  const uses = secretUses(value);
  const names = [...new Set([...uses.keys(), ...known.map((secret) => secret.name)])];
  if (!names.length) return html`<p class="muted">The profile references no secrets.</p>`;
  return html`<table class="secrets">
    <thead>
      <tr>
        <th>Secret</th>
        <th>Status</th>
        <th>Used by</th>
        <th>New value (write-only)</th>
      </tr>
    </thead>
    <tbody>
      ${names.map((name) => {
        const state = known.find((secret) => secret.name === name);
        const status = statusText(state, !!pending[name]);
        const fields = uses.get(name) ?? [];
        return html`<tr data-testid="dc-secret-${name}">
          <td><code>${name}</code></td>
          <td class=${status.startsWith('not') ? 'unset' : 'set'} data-testid="dc-secret-status">
            ${status}
          </td>
          <td>${fields.length ? fields.join(', ') : html`<span class="muted">unused</span>`}</td>
          <td>
            <input
              type="password"
              autocomplete="new-password"
              aria-label="new value for ${name}"
              data-testid="dc-secret-${name}-value"
              placeholder=${state?.set ? 'replace value…' : 'value…'}
              .value=${live(pending[name] ?? '')}
              @input=${(event: Event) => onSecret({ name, value: (event.target as HTMLInputElement).value })}
            />
            ${
              state?.source === 'env' && pending[name]
                ? html`<span class="muted">the environment's value still wins</span>`
                : nothing
            }
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}
