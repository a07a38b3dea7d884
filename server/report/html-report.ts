import { reportPieces } from './markdown-report.ts';
import { escapeHtml, renderSafeMarkdown } from './safe-markdown.ts';
import type { RunReportData } from './run-report.ts';

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2530}
pre{background:#f4f6f8;padding:.75rem;overflow:auto}blockquote{border-left:4px solid #8aa;margin:0;padding:.25rem 1rem;background:#f7fafa}
table{border-collapse:collapse}td{border:1px solid #dde;padding:.2rem .6rem}`;

/**
 * The report as one self-contained HTML page, streamed like the Markdown one: prose and status lines are
 * rendered (raw HTML escaped), outputs are escaped text written a page of events at a time.
 */
export async function* htmlReport(data: RunReportData): AsyncGenerator<string> {
  yield `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(data.run.title)} — ${data.run.id}</title><style>${STYLE}</style></head><body>\n`;
  let markdown = '';
  for (const piece of reportPieces(data)) {
    if ('markdown' in piece) {
      markdown += piece.markdown;
      continue;
    }
    if (markdown) yield renderSafeMarkdown(markdown);
    markdown = '';
    if ('result' in piece) {
      yield `<details><summary>Result</summary><pre><code class="language-json">${escapeHtml(JSON.stringify(piece.result, null, 2))}</code></pre></details>\n`;
      continue;
    }
    let opened = false;
    for await (const event of data.output(piece.output)) {
      if (!opened) yield '<pre><code class="language-text">';
      opened = true;
      yield escapeHtml(event.data);
    }
    if (opened) yield '</code></pre>\n';
  }
  if (markdown) yield renderSafeMarkdown(markdown);
  yield '</body></html>\n';
}
