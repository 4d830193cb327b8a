/** Writes a run's report into its run directory and returns the file's path. */
import path from 'node:path';
import { writeFileAtomic } from '../state/atomic.js';
import { reportPage } from './page.js';
import { loadReportInput } from './report-data.js';

export const REPORT_FILE = 'report.html';

export async function writeReport(runId: string): Promise<string> {
  const input = await loadReportInput(runId);
  const file = path.join(input.dir, REPORT_FILE);
  await writeFileAtomic(file, reportPage(input), 0o600, false);
  return file;
}
