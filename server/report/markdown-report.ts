import { Lexer } from 'marked';
import type { StepRecord } from '../store/records.ts';
import type { RunReportData } from './run-report.ts';
import { durationSeconds, formatDuration } from './run-report.ts';

/** A fence long enough that no run of backticks inside the text can close it. */
function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  return '`'.repeat(longest + 1);
}

/**
 * A report as a sequence of pieces, shared by the Markdown and HTML reports: Markdown of bounded size (prose,
 * cell sources, status lines), a step's recorded output (streamed from the store by whoever writes it) and
 * a step's typed result.
 */
export type ReportPiece = { markdown: string } | { output: StepRecord } | { result: unknown };

/** The runbook's own level-1 heading at the start of its first prose block, if it has one. */
function leadingTitle(markdown: string): string | undefined {
  const first = new Lexer().lex(markdown).find((token) => token.type !== 'space');
  return first?.type === 'heading' &&
    first.depth === 1 &&
    markdown.trimStart().startsWith(first.raw.trimStart())
    ? first.raw
    : undefined;
}

/** The runbook as it ran: its title, the run's facts, then prose as written and each cell with its outcome. */
export function* reportPieces(data: RunReportData): Generator<ReportPiece> {
  const { run } = data;
  const blocks = [...run.effective.blocks];
  // The runbook's own H1 is the report's title (not repeated); a runbook without one gets its title.
  const first = blocks[0];
  const heading = first?.kind === 'prose' ? leadingTitle(first.markdown) : undefined;
  if (first?.kind === 'prose' && heading) {
    const rest = first.markdown.trimStart().slice(heading.trimStart().length);
    yield { markdown: `${heading.trim()}\n\n` };
    blocks[0] = { ...first, markdown: rest };
  } else yield { markdown: `# ${run.title}\n\n` };
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
  let table = `| | |\n|---|---|\n`;
  for (const [key, value] of rows) if (value) table += `| ${key} | ${value.replace(/\|/g, '\\|')} |\n`;
  yield { markdown: `${table}\n` };
  const byName = new Map(data.cells.map((entry) => [entry.cell.name, entry.step]));
  for (const block of blocks) {
    if (block.kind === 'prose') {
      // Blank lines around prose go; its indentation stays (four spaces make a code block).
      const prose = block.markdown.replace(/^(?:[ \t]*\n)+/, '').trimEnd();
      if (prose) yield { markdown: `${prose}\n\n` };
      continue;
    }
    const step = byName.get(block.name);
    const fence = fenceFor(block.body);
    const attrs = Object.entries(block.rawAttrs).map(
      ([key, value]) => `${key}=${Array.isArray(value) ? `[${value.join(',')}]` : String(value)}`,
    );
    const source = `${fence}${block.lang} {${attrs.join(' ')}}\n${block.body}${block.body.endsWith('\n') || !block.body ? '' : '\n'}${fence}\n\n`;
    if (!step) {
      yield { markdown: `${source}> **${block.name}**: not run\n\n` };
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
    let status = `> ${parts.join(' · ')}\n`;
    if (step.error) status += `>\n> ${step.error.code}: ${step.error.message.replace(/\n/g, '\n> ')}\n`;
    yield { markdown: `${source}${status}\n` };
    yield { output: step };
    if (step.result !== null && step.status === 'succeeded') yield { result: step.result };
  }
}

/**
 * The runbook as it ran, in Markdown: prose as written, each cell's source, then its status and output.
 * Streamed, so a run with millions of output lines is written without holding it in memory.
 */
export async function* markdownReport(data: RunReportData): AsyncGenerator<string> {
  for (const piece of reportPieces(data)) {
    if ('markdown' in piece) yield piece.markdown;
    else if ('result' in piece) {
      yield `<details><summary>Result</summary>\n\n\`\`\`json\n${JSON.stringify(piece.result, null, 2)}\n\`\`\`\n\n</details>\n\n`;
    } else {
      let opened = false;
      let ended = true;
      for await (const event of data.output(piece.output)) {
        if (!opened) yield '```text\n';
        opened = true;
        ended = event.data.endsWith('\n');
        yield event.data.replace(/^```/gm, '\u200b```');
      }
      if (opened) yield `${ended ? '' : '\n'}\`\`\`\n\n`;
    }
  }
}
