import { ExitCode, UsageError, type ExitCodeValue } from '../../errors.js';
import { printJson, printText } from '../../output/print.js';
import { makeChalk, outputSettings } from '../../output/style.js';
import { loadQuestions } from '../../questions/questions.js';
import { listRuns } from '../../state/run-state.js';
import type { GlobalOptions } from '../settings.js';

export async function questionsCommand(g: GlobalOptions, n?: string): Promise<ExitCodeValue> {
  const { runs } = await listRuns();
  const all = await loadQuestions(runs);
  let shown = all;
  if (n !== undefined) {
    shown = all.filter((q) => String(q.number) === n.trim());
    if (shown.length === 0) throw new UsageError(`no question ${n}`, { code: 'NO_QUESTION', hint: `questions are numbered 1-${all.length}: aurora-lab questions` });
  }
  if (g.json) {
    printJson({ questions: shown.map(({ file: _file, ...q }) => q) });
    return ExitCode.ok;
  }
  const c = makeChalk(outputSettings(g));
  const out: string[] = [];
  for (const q of shown) {
    out.push('', c.bold(`${q.number}. ${q.question}`), '', wrap(q.answer), '', c.dim(`Lab: aurora-lab run ${q.lab}${q.sources.length ? ` · Sources: ${q.sources.join(' ')}` : ''}`));
  }
  printText(out.join('\n'));
  return ExitCode.ok;
}

/** Paragraphs wrapped at 100 columns (the files keep their own line breaks for editing). */
function wrap(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => {
      const words = p.replace(/\s+/g, ' ').trim().split(' ');
      const lines: string[] = [];
      let line = '';
      for (const w of words) {
        if (line && line.length + w.length + 1 > 100) {
          lines.push(line);
          line = w;
        } else line = line ? `${line} ${w}` : w;
      }
      if (line) lines.push(line);
      return lines.join('\n');
    })
    .join('\n\n');
}
