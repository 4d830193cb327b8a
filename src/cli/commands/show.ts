import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { estimateLab } from '../../labs/estimate.js';
import { expectedTime, expectedTimeText } from '../../labs/expected-time.js';
import { loadLab } from '../../labs/loader.js';
import { printJson, printText } from '../../output/print.js';
import { makeChalk, outputSettings } from '../../output/style.js';
import type { GlobalOptions } from '../settings.js';

export async function showCommand(g: GlobalOptions, ref: string, _o: { engine?: string }): Promise<ExitCodeValue> {
  const { lab, file } = await loadLab(ref);
  const estimate = estimateLab(lab, {}, _o.engine);
  const resources = lab.steps.flatMap((s) => (s.kind === 'aws' && s.creates ? [{ type: s.creates.type, id: s.creates.id, step: s.id, perItem: s.forEach !== undefined }] : []));
  if (g.json) {
    const expectedTimes = Object.fromEntries(lab.engines.map((e) => [e, expectedTime(lab.name, e)]).filter(([, t]) => t !== undefined));
    printJson({ ...lab, file, estimate, expectedTimes, resources });
    return ExitCode.ok;
  }
  const c = makeChalk(outputSettings(g));
  const out: string[] = [];
  out.push(`${c.bold(lab.title)}  ${c.dim(`(${lab.name}, ${lab.level})`)}`);
  out.push(`engines: ${lab.engines.join(', ')}`);
  out.push(`estimate (the lab file's): ~${estimate.minutes} min, ~$${estimate.dollars.toFixed(2)} on AWS (${estimate.basis}); free with --local or --dry-run`);
  out.push(`  a run prices the classes it resolves before it creates them, and stops on one dearer than this`);
  for (const e of lab.engines) {
    const t = expectedTimeText(lab.name, e);
    if (t) out.push(`expected wall time on AWS, ${e}: ${t}`);
  }
  out.push('', lab.summary.trim());
  if (lab.teaches?.length) out.push('', c.bold('You will learn'), ...lab.teaches.map((t) => `  • ${t}`));
  if (Object.keys(lab.params).length) {
    out.push('', c.bold('Parameters (--param key=value)'));
    for (const [k, p] of Object.entries(lab.params)) out.push(`  ${k} = ${JSON.stringify(p.default)}  ${c.dim(p.description)}`);
  }
  out.push('', c.bold('Steps'));
  lab.steps.forEach((s, i) => {
    out.push(`  ${String(i + 1).padStart(2)}. ${s.title} ${c.dim(`[${s.kind}${s.kind === 'aws' || s.kind === 'poll' ? ` ${s.operation}` : ''}]`)}`);
    if (s.explain) out.push(...s.explain.trim().split('\n').map((l) => `      ${c.dim(l)}`));
  });
  out.push('', c.bold('Resources it creates (deleted at the end unless --keep)'));
  for (const r of resources) out.push(`  ${r.type}  ${c.dim(r.id)}${r.perItem ? c.dim(' (one per item)') : ''}`);
  printText(out.join('\n'));
  return ExitCode.ok;
}
