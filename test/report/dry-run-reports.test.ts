/**
 * Every lab's report renders for both engines after a dry run: the header names the lab, level, engine,
 * target and verdict; every step and check is there; and no chart is drawn from a simulation: each
 * chart section says what was not measured instead.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLab } from '../../src/engine/run-lab.js';
import { dryRunTarget } from '../../src/engine/targets/dry-run.js';
import { MemoryReporter } from '../../src/events.js';
import { labsDir, parseLab } from '../../src/labs/loader.js';
import { writeReport } from '../../src/report/write-report.js';
import { useTempLabHome } from '../helpers/temp-lab-home.js';

const CASES = readdirSync(labsDir())
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((file) => {
    const lab = parseLab(readFileSync(path.join(labsDir(), file), 'utf8'), file);
    return lab.engines.map((engine) => ({ name: lab.name, level: lab.level, title: lab.title, engine }));
  });

useTempLabHome('alab-report-');

describe.each(CASES)("lab $name on $engine: the dry run's report", ({ name, level, title, engine }) => {
  it('names the lab, level, engine, target and verdict, lists every step (its prose rendered) and check, and draws no chart', async () => {
    const result = await runLab({
      labRef: name,
      engine,
      params: {},
      targetName: 'dry-run',
      keep: false,
      reporter: new MemoryReporter(),
      signal: new AbortController().signal,
      makeTarget: async ({ dir }) => dryRunTarget({ region: 'us-east-1', runDir: dir }),
      confirm: async () => true,
    });
    expect(result.error).toBeUndefined();
    const doc = result.document;
    const file = await writeReport(doc.runId);
    expect(path.basename(file)).toBe('report.html');
    const html = readFileSync(file, 'utf8');
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
    expect(html).toContain(`<h1>${esc(title)}</h1>`);
    expect(html).toContain(`level <b>${level}</b>`);
    expect(html).toContain(`engine <b>${engine}</b>`);
    expect(html).toContain('data-dry-run="true"');
    expect(html).toContain(`data-verdict="${doc.status}"`);
    for (const step of doc.steps) expect(html).toContain(`data-step="${step.id}"`);
    // Step titles and explanations read as during the run: the run's values, no template left.
    expect(html).not.toContain('{{');
    expect((html.match(/<li data-passed=/g) ?? []).length).toBe(doc.checks.length);
    // A dry run measured nothing a chart could show: no SVG, and at least the run timeline says why.
    expect(html).not.toContain('<svg');
    expect((html.match(/data-not-measured="true"/g) ?? []).length).toBeGreaterThanOrEqual(1);
    // Self-contained: nothing that would load from anywhere.
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
});
