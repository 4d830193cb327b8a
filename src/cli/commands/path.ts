import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { listLabFiles, loadLab } from '../../labs/loader.js';
import { formatFigure } from '../../labs/prose.js';
import type { Lab } from '../../labs/schema.js';
import { printJson, printText } from '../../output/print.js';
import { makeChalk, outputSettings } from '../../output/style.js';
import { learningPath, type EngineProgress } from '../../path/learning-path.js';
import { listRuns } from '../../state/run-state.js';
import type { GlobalOptions } from '../settings.js';

export async function pathCommand(g: GlobalOptions): Promise<ExitCodeValue> {
  const labs: Lab[] = [];
  for (const file of await listLabFiles()) labs.push((await loadLab(file)).lab);
  const { runs } = await listRuns();
  const doc = learningPath(labs, runs);
  if (g.json) {
    printJson(doc);
    return ExitCode.ok;
  }
  const c = makeChalk(outputSettings(g));
  const out: string[] = [];
  for (const { level, labs: inLevel } of doc.levels) {
    out.push('', c.bold(level[0]!.toUpperCase() + level.slice(1)));
    for (const lab of inLevel) {
      out.push(`  ${c.bold(lab.name)}: ${lab.asks}`);
      for (const e of lab.engines) out.push(`    ${e.engine.padEnd(18)} ${standing(e, c)}`);
    }
  }
  out.push('', doc.next ? `Next: ${c.cyan(doc.next.command)} (${doc.next.lab}, ${doc.next.engine}: ${doc.next.why})` : c.green('Every lab passed on both engines. Try them on AWS, or answer `aurora-lab questions`.'));
  out.push(c.dim('A dry run counts as rehearsed, not passed: it proves the calls, not how Aurora behaves.'));
  printText(out.join('\n'));
  return ExitCode.ok;
}

function standing(e: EngineProgress, c: ReturnType<typeof makeChalk>): string {
  const when = e.when ? ` ${e.when.slice(0, 16).replace('T', ' ')} UTC` : '';
  if (e.standing === 'passed') {
    const h = e.headline ? `; ${e.headline.label}: ${formatHeadline(e.headline.value, e.headline.unit)}` : '';
    return `${c.green('passed')} on ${e.target}${when} (run ${e.runId}${e.passedRuns > 1 ? `, best of ${e.passedRuns} passed runs` : ''})${h}`;
  }
  if (e.standing === 'rehearsed') return `${c.yellow('rehearsed')} in a dry run${when} (run ${e.runId})`;
  if (e.standing === 'attempted') return `${c.red('attempted')} on ${e.target}${when} (run ${e.runId}), not passed`;
  return c.dim('not started');
}

function formatHeadline(value: unknown, unit?: string): string {
  // At the resolution the run summary uses (249.18 ms reads as 249 ms there and here).
  const v = typeof value === 'number' ? formatFigure(value, unit) : String(value);
  return unit ? `${v} ${unit}` : v;
}
