import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { printJson, printText } from '../../output/print.js';
import { isDriven } from '../../state/lock.js';
import { runDir } from '../../state/paths.js';
import { latestRun, readState } from '../../state/run-state.js';
import { findOpener, openFile } from '../opener.js';
import type { GlobalOptions } from '../settings.js';

/** Write a run's HTML report into its run directory (default: the newest run) and print its path. */
export async function reportCommand(g: GlobalOptions, runId: string | undefined, o: { open?: boolean }): Promise<ExitCodeValue> {
  const state = runId ? await readState(runId) : await latestRun();
  const { writeReport } = await import('../../report/write-report.js');
  const file = await writeReport(state.runId);
  // A run still being driven by its process: the page is of the steps so far, and the run writes its own at the end.
  const inProgress = (state.status === 'running' || state.status === 'tearing-down') && (await isDriven(runDir(state.runId)));
  if (inProgress) process.stderr.write(`run ${state.runId} is still ${state.status === 'running' ? 'running' : 'tearing down'}: this report shows it so far; the run writes its own when it ends\n`);
  const opener = o.open ? findOpener() : undefined;
  if (opener) openFile(opener, file);
  if (g.json) {
    printJson({ path: file, ...(o.open ? { opened: opener !== undefined } : {}), ...(inProgress ? { inProgress: true } : {}) });
    return ExitCode.ok;
  }
  printText(file);
  if (o.open && !opener) process.stderr.write('no opener found (xdg-open or open is not on PATH): open the file above in a browser\n');
  return ExitCode.ok;
}
