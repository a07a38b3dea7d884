/** The server's problems with a profile, listed above the editor with their lines, each a way to its field. */
import { html, nothing } from 'lit';
import type { ProfileIssue } from '../../api/datacentres-api.ts';

/** How many problems are listed: a broken YAML structure can produce hundreds, all from one mistake. */
const SHOWN = 25;

/** A server issue and the readable form path where it shows (`''`: only in this list). */
export type PlacedIssue = ProfileIssue & { at: string };

/** True when `at` is the field `prefix` or inside it. */
export function isUnder(at: string, prefix: string): boolean {
  return at === prefix || at.startsWith(`${prefix}.`) || at.startsWith(`${prefix}[`);
}

/** The first message for each field, as the schema form's `errors`. */
export function fieldErrors(issues: readonly PlacedIssue[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    if (!issue.at) continue;
    // Shown at an ancestor (an unknown key at its machine), the message names the field it is about.
    const rest = issue.field.startsWith(issue.at)
      ? issue.field.slice(issue.at.length).replace(/^\./, '')
      : '';
    errors[issue.at] ??= rest ? `${rest}: ${issue.message}` : issue.message;
  }
  return errors;
}

/** Selects line `line` (1-based) of a textarea and scrolls it into view. */
export function selectLine(area: HTMLTextAreaElement, line: number): void {
  const lines = area.value.split('\n');
  const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  const height = area.scrollHeight / Math.max(lines.length, 1);
  area.scrollTop = Math.max(0, (line - 5) * height);
}

/**
 * The list (`data-testid="dc-issues"`, one `dc-issue` per problem with `data-field` and `data-line`); the line
 * number is a button that goes to the problem.
 */
export function issueList(issues: readonly PlacedIssue[], goTo: (issue: PlacedIssue) => void) {
  if (!issues.length) return nothing;
  return html`<div class="issues" data-testid="dc-issues" role="alert">
    <strong>${issues.length} problem${issues.length === 1 ? '' : 's'} found by the server</strong>
    <ul>
      ${issues.slice(0, SHOWN).map(
        (issue) =>
          html`<li data-testid="dc-issue" data-field=${issue.field} data-line=${issue.line}>
            <button class="link" title="Go to the problem" @click=${() => goTo(issue)}>
              line ${issue.line}
            </button>
            ${issue.field ? html`<code>${issue.field}</code>` : nothing} ${issue.message}
          </li>`,
      )}
    </ul>
    ${
      issues.length > SHOWN
        ? html`<p>… and ${issues.length - SHOWN} more; the first ones often cause the rest.</p>`
        : nothing
    }
  </div>`;
}
