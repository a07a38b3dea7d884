import type { RunReportData } from './run-report.ts';
import { durationSeconds, formatDuration } from './run-report.ts';

/** A fence long enough that no run of backticks inside the text can close it. */
function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  return '`'.repeat(longest + 1);
}

/**
 * The runbook as it ran, in Markdown: prose as written, each cell's source, then its status and output.
 * Streamed, so a run with millions of output lines is written without holding it in memory.
 */
export async function* markdownReport(data: RunReportData): AsyncGenerator<string> {
  const { run } = data;
  yield `# ${run.title}\n\n`;
  yield `| | |\n|---|---|\n`;
  const rows: [string, string | null][] = [
    ['Run', run.id],
    ['Runbook', run.runbook],
    ['Datacentre', run.datacentre],
    ['Mode', run.mode],
    ['Status', run.status],
    ['Started by', run.startedBy],
    ['Started', run.startedAt],
    ['Finished', run.finishedAt],
    ['Parent run', run.parent],
    ['Source sha256', run.sourceSha256],
  ];
  for (const [key, value] of rows) if (value) yield `| ${key} | ${value.replace(/\|/g, '\\|')} |\n`;
  yield '\n';
  const byName = new Map(data.cells.map((entry) => [entry.cell.name, entry.step]));
  for (const block of run.effective.blocks) {
    if (block.kind === 'prose') {
      yield `${block.markdown.trimEnd()}\n\n`;
      continue;
    }
    const step = byName.get(block.name);
    const fence = fenceFor(block.body);
    const attrs = Object.entries(block.rawAttrs).map(
      ([key, value]) => `${key}=${Array.isArray(value) ? `[${value.join(',')}]` : String(value)}`,
    );
    yield `${fence}${block.lang} {${attrs.join(' ')}}\n${block.body}${block.body.endsWith('\n') || !block.body ? '' : '\n'}${fence}\n\n`;
    if (!step) {
      yield `> **${block.name}**: not run\n\n`;
      continue;
    }
    const parts = [`**${block.name}**: ${step.status}`];
    if (step.attempt > 1) parts.push(`attempt ${step.attempt}`);
    parts.push(formatDuration(durationSeconds(step.startedAt, step.finishedAt)));
    if (block.provenance.source === 'overlay') {
      parts.push(`from overlay ${block.provenance.file}:${block.provenance.line}`);
    }
    if (step.reusedFrom) parts.push(`result reused from run ${step.reusedFrom}`);
    if (step.approvedBy)
      parts.push(`approved by ${step.approvedBy}${step.approvalNote ? `: “${step.approvalNote}”` : ''}`);
    yield `> ${parts.join(' · ')}\n`;
    if (step.error) yield `>\n> ${step.error.code}: ${step.error.message.replace(/\n/g, '\n> ')}\n`;
    yield '\n';
    let opened = false;
    for await (const event of data.output(step)) {
      if (!opened) yield '```text\n';
      opened = true;
      yield event.data.replace(/^```/gm, '\u200b```');
    }
    if (opened) yield '\n```\n\n';
    if (step.result !== null && step.status === 'succeeded') {
      yield `<details><summary>Result</summary>\n\n\`\`\`json\n${JSON.stringify(step.result, null, 2)}\n\`\`\`\n\n</details>\n\n`;
    }
  }
}
