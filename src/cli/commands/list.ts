import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { estimateLab } from '../../labs/estimate.js';
import { listLabFiles, loadLab } from '../../labs/loader.js';
import { printJson, printText, table } from '../../output/print.js';
import { makeChalk, outputSettings } from '../../output/style.js';
import type { GlobalOptions } from '../settings.js';

export async function listCommand(g: GlobalOptions): Promise<ExitCodeValue> {
  const files = await listLabFiles();
  const labs = [];
  const broken: { file: string; error: string }[] = [];
  for (const file of files) {
    try {
      const { lab } = await loadLab(file);
      labs.push({ name: lab.name, title: lab.title, level: lab.level, engines: lab.engines, estimate: estimateLab(lab) });
    } catch (err) {
      broken.push({ file, error: (err as Error).message });
    }
  }
  if (g.json) {
    printJson({ labs, broken });
  } else {
    const c = makeChalk(outputSettings(g));
    const rows = [['LAB', 'LEVEL', 'ENGINES', 'TIME', 'COST', 'TITLE'].map((h) => c.bold(h))];
    for (const l of labs) rows.push([l.name, l.level, l.engines.map((e) => e.replace('aurora-', '')).join(','), `~${l.estimate.minutes} min`, `~$${l.estimate.dollars.toFixed(2)}`, l.title]);
    printText(table(rows));
    for (const b of broken) process.stderr.write(`${c.yellow('warning:')} ${b.error}\n`);
  }
  return broken.length > 0 ? ExitCode.usage : ExitCode.ok;
}
