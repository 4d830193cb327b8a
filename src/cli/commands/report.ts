import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { printJson, printText } from '../../output/print.js';
import { latestRun, readState } from '../../state/run-state.js';
import { findOpener, openFile } from '../opener.js';
import type { GlobalOptions } from '../settings.js';

/** Write a run's HTML report into its run directory (default: the newest run) and print its path. */
export async function reportCommand(g: GlobalOptions, runId: string | undefined, o: { open?: boolean }): Promise<ExitCodeValue> {
  const state = runId ? await readState(runId) : await latestRun();
  const { writeReport } = await import('../../report/write-report.js');
  const file = await writeReport(state.runId);
  const opener = o.open ? findOpener() : undefined;
  if (opener) openFile(opener, file);
  if (g.json) {
    printJson({ path: file, ...(o.open ? { opened: opener !== undefined } : {}) });
    return ExitCode.ok;
  }
  printText(file);
  if (o.open && !opener) process.stderr.write('no opener found (xdg-open or open is not on PATH): open the file above in a browser\n');
  return ExitCode.ok;
}
