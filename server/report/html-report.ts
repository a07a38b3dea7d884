import { markdownReport } from './markdown-report.ts';
import { escapeHtml, renderSafeMarkdown } from './safe-markdown.ts';
import type { RunReportData } from './run-report.ts';

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2530}
pre{background:#f4f6f8;padding:.75rem;overflow:auto}blockquote{border-left:4px solid #8aa;margin:0;padding:.25rem 1rem;background:#f7fafa}
table{border-collapse:collapse}td{border:1px solid #dde;padding:.2rem .6rem}`;

/** The Markdown report rendered to one self-contained HTML page. */
export async function* htmlReport(data: RunReportData): AsyncGenerator<string> {
  let markdown = '';
  for await (const piece of markdownReport(data)) markdown += piece;
  yield `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(data.run.title)} — ${data.run.id}</title><style>${STYLE}</style></head><body>\n`;
  yield renderSafeMarkdown(markdown);
  yield '</body></html>\n';
}
