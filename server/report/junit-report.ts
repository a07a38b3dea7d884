import type { RunReportData } from './run-report.ts';
import { durationSeconds } from './run-report.ts';

/** Escapes text for XML and drops characters XML 1.0 cannot hold (ANSI escapes among them). */
export function xmlEscape(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
  );
}

/** JUnit XML for CI systems (Jenkins, Zuul): one test case per cell, its output as system-out/system-err. */
export async function* junitReport(data: RunReportData): AsyncGenerator<string> {
  const { run } = data;
  const count = (status: string) => data.cells.filter(({ step }) => step?.status === status).length;
  const skipped = data.cells.filter(
    ({ step }) => !step || !['succeeded', 'failed'].includes(step.status),
  ).length;
  const total = durationSeconds(run.startedAt, run.finishedAt) ?? 0;
  const suite = `name="${xmlEscape(`${run.runbook} (${run.datacentre})`)}" tests="${data.cells.length}" failures="${count('failed')}" errors="0" skipped="${skipped}" time="${total.toFixed(3)}"`;
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield `<testsuites ${suite}>\n`;
  yield `  <testsuite ${suite} id="${run.id}" timestamp="${run.startedAt ?? run.createdAt}">\n`;
  yield '    <properties>\n';
  for (const [name, value] of [
    ['run', run.id],
    ['datacentre', run.datacentre],
    ['mode', run.mode],
    ['status', run.status],
    ['source_sha256', run.sourceSha256],
    ['parent', run.parent],
  ]) {
    if (value) yield `      <property name="${name}" value="${xmlEscape(value)}"/>\n`;
  }
  yield '    </properties>\n';
  for (const { cell, step } of data.cells) {
    const time = durationSeconds(step?.startedAt ?? null, step?.finishedAt ?? null) ?? 0;
    yield `    <testcase classname="${xmlEscape(`${run.runbook}.${cell.driver}`)}" name="${xmlEscape(cell.name)}" time="${time.toFixed(3)}">\n`;
    if (!step) yield '      <skipped message="not run"/>\n';
    else if (step.status === 'failed') {
      yield `      <failure type="${xmlEscape(step.error?.code ?? 'FAILED')}" message="${xmlEscape(step.error?.message ?? 'failed')}"/>\n`;
    } else if (step.status !== 'succeeded') {
      yield `      <skipped message="${xmlEscape(`${step.status}${step.error ? `: ${step.error.message}` : ''}`)}"/>\n`;
    }
    if (step) {
      // Standard output and the engine's log lines in system-out, standard error in system-err.
      for (const kinds of [['stdout', 'log'], ['stderr']] as const) {
        const tag = kinds[0] === 'stderr' ? 'system-err' : 'system-out';
        let opened = false;
        for await (const event of data.output(step, kinds)) {
          if (!opened) yield `      <${tag}>`;
          opened = true;
          yield xmlEscape(event.data);
        }
        if (opened) yield `</${tag}>\n`;
      }
    }
    yield '    </testcase>\n';
  }
  yield '  </testsuite>\n</testsuites>\n';
}
