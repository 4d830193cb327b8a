/**
 * The report page: one self-contained HTML document (styles and SVG inline, no script, a CSP that
 * forbids loading anything), built from a run's records.
 */
import type { ChartBlock } from './chart-block.js';
import { escapeHtml as h, formatDuration, formatValue, formatWhen } from './format.js';
import { labCharts } from './lab-charts.js';
import type { ReportInput } from './report-data.js';
import { STYLES } from './styles.js';

/** The target in words; the local one names the servers that stood in for the engine. */
function targetText(target: string, engine: string): string {
  if (target === 'aws') return 'AWS (real Aurora)';
  if (target === 'dry-run') return 'dry run (simulated control plane, no database)';
  if (target === 'local') return `local (real ${engine.includes('mysql') ? 'MariaDB' : 'PostgreSQL'} processes behind a local RDS-compatible endpoint)`;
  return target;
}

export function reportPage(input: ReportInput, generatedAt = new Date()): string {
  const { doc, lab, state } = input;
  const passed = doc.checks.filter((c) => c.passed).length;
  const body = [
    `<header><h1>${h(lab.title)}</h1>`,
    `<p class="meta">lab <b>${h(lab.name)}</b> · level <b>${h(lab.level)}</b> · engine <b>${h(doc.engine)}</b> · target <b>${h(targetText(doc.target, doc.engine))}</b> · region <b>${h(doc.region)}</b></p>`,
    `<p class="meta">run <b>${h(doc.runId)}</b>, started ${h(formatWhen(state.createdAt))} · verdict <span class="verdict ${h(doc.status)}" data-verdict="${h(doc.status)}">${h(doc.status)}</span> · checks ${passed}/${doc.checks.length} passed</p>`,
    `<p class="prose">${h(lab.summary.trim())}</p></header>`,
    doc.target === 'dry-run'
      ? '<p class="notice" data-dry-run="true">This was a dry run: the control plane was simulated in-process and no database ran. SQL steps were not run, so nothing a database would show was measured; the charts below say so instead of drawing empty axes. <code>--local</code> runs the same lab against real PostgreSQL or MariaDB for free.</p>'
      : '',
    doc.error ? `<p class="notice">The run stopped with <code>${h(doc.error.code)}</code>: ${h(doc.error.message)}${doc.error.hint ? ` (${h(doc.error.hint)})` : ''}</p>` : '',
    facts(input),
    `<h2>Charts</h2>${labCharts(input).map(chart).join('\n')}`,
    measurements(input),
    checks(input),
    verifications(input),
    steps(input),
    resources(input),
    `<footer class="meta"><p>Written by aurora-lab on ${h(formatWhen(generatedAt.toISOString()))} from ${h(input.dir)}. Every figure here was measured by the run; what was not measured says so.</p></footer>`,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(`${lab.name} ${doc.runId}: ${doc.status}`)} · aurora-lab</title>
<style>${STYLES}</style></head>
<body><main>
${body.filter((x) => x !== '').join('\n')}
</main></body></html>
`;
}

function facts(input: ReportInput): string {
  const lines = input.facts.map((l) => `<li>${h(l)}</li>`).join('');
  const none = input.doc.target === 'dry-run' ? 'Nothing was measured on a database: this was a dry run.' : 'The run recorded no measurements.';
  return ['<h2>What was measured</h2>', lines ? `<ul class="facts">${lines}</ul>` : `<p>${none}</p>`].join('\n');
}

function measurements(input: ReportInput): string {
  const rows = Object.entries(input.doc.measurements)
    .filter(([name]) => name !== 'iamPolicy')
    .map(([name, value]) => `<tr><th><code>${h(name)}</code></th><td class="num">${h(formatValue(name, value))}</td></tr>`);
  const policy = input.doc.measurements['iamPolicy'];
  return [
    rows.length ? `<h2>Measurements</h2><table class="measurements"><tbody>${rows.join('')}</tbody></table>` : '',
    typeof policy === 'string' ? `<h3>Least-privilege policy</h3><pre>${h(prettyJson(policy))}</pre>` : '',
  ].join('\n');
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function chart(block: ChartBlock): string {
  if ('notMeasured' in block) return `<section class="card chart-block" data-not-measured="true"><h3>${h(block.title)}</h3><p class="why">${h(block.notMeasured)}</p></section>`;
  const figures = block.figures?.length ? `<table class="figures"><tbody>${block.figures.map(([k, v]) => `<tr><th>${h(k)}</th><td class="num">${h(v)}</td></tr>`).join('')}</tbody></table>` : '';
  return `<section class="card chart-block"><h3>${h(block.title)}</h3>${block.svg}${figures}<p class="meta">${h(block.caption)}</p></section>`;
}

function checks(input: ReportInput): string {
  if (input.doc.checks.length === 0) return '<h2>Checks</h2><p>No check ran.</p>';
  const items = input.doc.checks.map(checkItem);
  return `<h2>Checks: what the run proved</h2><ul class="checks">${items.join('')}</ul>`;
}

function checkItem(c: { name: string; passed: boolean; detail?: string }): string {
  return `<li data-passed="${c.passed}"><span class="${c.passed ? 'pass' : 'fail'}">${c.passed ? '✓' : '✗'}</span> ${h(c.name)}${c.detail ? ` <span class="meta">(${h(c.detail)})</span>` : ''}</li>`;
}

/** `aurora-lab verify` after the run: the newest verdict's checks, and how many verdicts came before it. */
function verifications(input: ReportInput): string {
  const all = (input.state.verifications ?? []).map((v) => ({ ...v, passed: v.checks.every((c) => c.passed) }));
  const last = all.at(-1);
  if (!last) return '';
  const passed = last.checks.filter((c) => c.passed).length;
  const earlier = all.length > 1 ? ` (${all.length - 1} earlier: ${all.slice(0, -1).map((v) => h(`${formatWhen(v.at)} ${v.passed ? 'passed' : 'failed'}`)).join(', ')})` : '';
  return `<h2>Verified afterwards</h2><p class="meta" data-verified="${last.passed}">${h(formatWhen(last.at))}: ${last.passed ? 'verified' : 'verify failed'}, checks ${passed}/${last.checks.length} passed${earlier}</p><ul class="checks">${last.checks.map(checkItem).join('')}</ul>`;
}

function steps(input: ReportInput): string {
  const byId = new Map(input.lab.steps.map((s) => [s.id, s]));
  const out = input.doc.steps.map((s) => {
    const step = byId.get(s.id);
    const calls = s.calls.length
      ? `<details><summary>${s.calls.length} call${s.calls.length > 1 ? 's' : ''}: ${h([...new Set(s.calls.map((c) => `${c.service}:${c.operation}`))].join(', '))}</summary>${s.calls.map((c) => `<p><code>${h(c.service)}:${h(c.operation)}</code></p><pre>${h(JSON.stringify(c.input, null, 2))}</pre>`).join('')}</details>`
      : '';
    const render = input.prose ?? ((t: string) => t);
    const prose = [step?.explain, step?.notice ? `Notice: ${step.notice}` : undefined].filter((p): p is string => !!p).map((p) => `<p class="prose">${h(render(p).trim())}</p>`).join('');
    return `<div class="step" data-step="${h(s.id)}"><div class="head"><span class="status ${h(s.status)}">${h(s.status)}</span><b>${h(s.title)}</b><span class="dur">${s.status === 'skipped' ? h(s.reason ?? '') : h(formatDuration(s.durationMs))}</span></div>${prose}${calls}</div>`;
  });
  return `<h2>Steps</h2>${out.join('\n')}`;
}

function resources(input: ReportInput): string {
  if (input.doc.resources.length === 0) return '';
  const rows = input.doc.resources.map((r) => `<tr><td>${h(r.type)}</td><td><code>${h(r.id)}</code></td><td>${h(r.region)}</td><td>${h(r.status)}</td></tr>`);
  return `<h2>Resources</h2><table><thead><tr><th>type</th><th>id</th><th>region</th><th>status</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
