import { Marked } from 'marked';

/** Escapes text for HTML. */
export const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

// Runbook prose ends up in browsers (the notebook, HTML reports): raw HTML appears as text and script URLs
// become inert, so a runbook — or an overlay someone pasted in — can never run script there.
const SCRIPT_URL = /^\s*(javascript|vbscript|data):/i;
const marked = new Marked({
  renderer: { html: ({ text }) => escapeHtml(text) },
  walkTokens(token) {
    if ((token.type === 'link' || token.type === 'image') && SCRIPT_URL.test(token.href)) token.href = '#';
  },
});

/** Markdown to HTML with raw HTML escaped and script URLs neutralised. */
export function renderSafeMarkdown(markdown: string): string {
  return marked.parse(markdown, { async: false });
}
