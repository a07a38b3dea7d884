import { htmlReport } from './html-report.ts';
import { junitReport } from './junit-report.ts';
import { markdownReport } from './markdown-report.ts';
import type { RunReportData } from './run-report.ts';

/** The report formats a finished run exports to (`stackbook export --format`, `GET …/report?format=`). */
export const REPORTS: Record<string, (data: RunReportData) => AsyncGenerator<string>> = {
  md: markdownReport,
  html: htmlReport,
  junit: junitReport,
};
