import { CONTROL_PLANES, defaultPort, engineFamily, familyName, resourcePrefix } from '../../engine/context.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../../errors.js';
import { renderProse } from '../../labs/prose.js';
import type { Engine, Lab } from '../../labs/schema.js';
import { estimateLab } from '../../labs/estimate.js';
import { expectedTime, expectedTimeText } from '../../labs/expected-time.js';
import { loadLab } from '../../labs/loader.js';
import { printJson, printText } from '../../output/print.js';
import { makeChalk, outputSettings } from '../../output/style.js';
import type { GlobalOptions } from '../settings.js';

/**
 * What `show` knows before any run: the engine (--engine, else the lab's first), its port and
 * family, the parameters' defaults. The run's id and what it will capture or measure are not known:
 * resource names read as "al-<run-id>-<n>" and other values as words (src/labs/prose.ts).
 */
export function previewContext(lab: Lab, engine: string): Record<string, unknown> {
  return {
    run: { id: '<run-id>', prefix: resourcePrefix('<run-id>') },
    lab: { name: lab.name, title: lab.title },
    engine,
    family: engineFamily(engine),
    familyName: familyName(engine),
    port: defaultPort(engine),
    target: { name: 'aws', network: true, sql: true, controlPlane: CONTROL_PLANES.aws },
    params: Object.fromEntries(Object.entries(lab.params).map(([k, p]) => [k, p.default])),
    vars: {},
    measurements: {},
    item: '<n>',
  };
}

export async function showCommand(g: GlobalOptions, ref: string, o: { engine?: string }): Promise<ExitCodeValue> {
  const { lab, file } = await loadLab(ref);
  const engine = o.engine ?? lab.engines[0]!;
  if (!lab.engines.includes(engine as Engine)) {
    throw new UsageError(`lab ${lab.name} does not support engine ${engine}`, { code: 'BAD_ENGINE', hint: `choose one of: ${lab.engines.join(', ')}` });
  }
  const ctx = previewContext(lab, engine);
  const prose = (text: string) => renderProse(text, ctx);
  const estimate = estimateLab(lab, {}, engine);
  const resources = lab.steps.flatMap((s) => (s.kind === 'aws' && s.creates ? [{ type: s.creates.type, id: s.creates.id, step: s.id, perItem: s.forEach !== undefined }] : []));
  if (g.json) {
    // The lab as written (templates included) for tools; people read the rendered text below.
    const expectedTimes = Object.fromEntries(lab.engines.map((e) => [e, expectedTime(lab.name, e)]).filter(([, t]) => t !== undefined));
    printJson({ ...lab, file, estimate, expectedTimes, resources });
    return ExitCode.ok;
  }
  const c = makeChalk(outputSettings(g));
  const out: string[] = [];
  out.push(`${c.bold(prose(lab.title))}  ${c.dim(`(${lab.name}, ${lab.level})`)}`);
  const others = lab.engines.filter((e) => e !== engine);
  out.push(`engines: ${lab.engines.join(', ')}${others.length ? c.dim(` (shown for ${engine}; --engine ${others[0]} for the other)`) : ''}`);
  out.push(`estimate (the lab file's): ~${estimate.minutes} min, ~$${estimate.dollars.toFixed(2)} on AWS (${estimate.basis}); free with --local or --dry-run`);
  out.push(`  a run prices the classes it resolves before it creates them, and stops on one dearer than this`);
  const t = expectedTimeText(lab.name, engine);
  if (t) out.push(`expected wall time on AWS: ${t}`);
  out.push('', prose(lab.summary.trim()));
  if (lab.teaches?.length) out.push('', c.bold('You will learn'), ...lab.teaches.map((t) => `  • ${prose(t)}`));
  if (Object.keys(lab.params).length) {
    out.push('', c.bold('Parameters (--param key=value)'));
    for (const [k, p] of Object.entries(lab.params)) out.push(`  ${k} = ${JSON.stringify(p.default)}  ${c.dim(p.description)}`);
  }
  out.push('', c.bold('Steps'));
  lab.steps.forEach((s, i) => {
    out.push(`  ${String(i + 1).padStart(2)}. ${prose(s.title)} ${c.dim(`[${s.kind}${s.kind === 'aws' || s.kind === 'poll' ? ` ${s.operation}` : ''}]`)}`);
    if (s.explain) out.push(...prose(s.explain.trim()).split('\n').map((l) => `      ${c.dim(l)}`));
  });
  out.push('', c.bold('Resources it creates (deleted at the end unless --keep)'));
  for (const r of resources) out.push(`  ${r.type}  ${c.dim(prose(r.id))}${r.perItem ? c.dim(' (one per item)') : ''}`);
  printText(out.join('\n'));
  return ExitCode.ok;
}
