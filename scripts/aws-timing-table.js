// The simulated-AWS timing table (issue 15): every lab and engine as a dry run with --aws-timing.
// Per run: the critical path (the longest chain of the model's recorded transitions, each starting as
// soon as what it depends on is done), the wall time on the virtual clock (first call to the end of the
// teardown), and the difference, our overhead. Used by scripts/bench.js; `node scripts/aws-timing-table.js
// [--write]` prints it alone (--write refreshes labs/expected-times.json, which `show` and the AWS
// confirmation quote). Needs `npm run build`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'aurora-lab.js');
export const ENGINES = ['aurora-postgresql', 'aurora-mysql'];

export function labNames() {
  return readdirSync(join(ROOT, 'labs'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

function runCli(args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One lab and engine on the virtual clock: { lab, engine, status, criticalMs, wallMs, overheadMs, chain }. */
export async function timeLab(lab, engine, home) {
  const { criticalPath } = await import(pathToFileURL(join(ROOT, 'dist', 'sim', 'model', 'critical-path.js')).href);
  const env = { ...process.env, AURORA_LAB_HOME: home, AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1' };
  const res = await runCli(['run', lab, '--engine', engine, '--dry-run', '--aws-timing', '--json'], env);
  let doc;
  try {
    doc = JSON.parse(res.stdout);
  } catch {
    return { lab, engine, status: `no JSON (exit ${res.code}): ${res.stderr.trim().split('\n').pop()}` };
  }
  const sim = JSON.parse(readFileSync(join(home, 'runs', doc.runId, 'sim.json'), 'utf8'));
  const cp = criticalPath(sim.timeline ?? []);
  const wallMs = sim.clock.nowMs - sim.clock.startMs;
  const steps = doc.steps.filter((s) => s.durationMs >= 1000).map((s) => ({ id: s.id, ms: s.durationMs }));
  return { lab, engine, status: doc.status, criticalMs: cp.totalMs, wallMs, overheadMs: wallMs - cp.totalMs, chain: cp.chain, steps };
}

/** The bound of issue 15: at most 5 % of the critical path, or a minute, whichever is larger. */
export function allowedOverheadMs(criticalMs) {
  return Math.max(0.05 * criticalMs, 60_000);
}

const min = (ms) => `${(ms / 60000).toFixed(1)} min`;

export function formatRow(r) {
  if (r.criticalMs === undefined) return `  ${r.lab.padEnd(22)} ${r.engine.padEnd(18)} ${r.status}`;
  const ok = r.status === 'succeeded' && r.overheadMs <= allowedOverheadMs(r.criticalMs);
  const pct = r.criticalMs > 0 ? ((100 * r.overheadMs) / r.criticalMs).toFixed(1) : '-';
  return `  ${r.lab.padEnd(22)} ${r.engine.padEnd(18)} ${min(r.criticalMs).padStart(9)} ${min(r.wallMs).padStart(9)} ${`${Math.round(r.overheadMs / 1000)} s`.padStart(7)} ${`${pct} %`.padStart(7)}  ${ok ? 'ok' : 'OVER'}${r.status === 'succeeded' ? '' : ` (${r.status})`}`;
}

export const HEADER = `  ${'lab'.padEnd(22)} ${'engine'.padEnd(18)} ${'critical'.padStart(9)} ${'wall'.padStart(9)} ${'overhead'.padStart(7)} ${''.padStart(7)}`;

export async function timingTable() {
  const home = mkdtempSync(join(tmpdir(), 'aurora-lab-timing-'));
  const rows = [];
  try {
    for (const lab of labNames()) for (const engine of ENGINES) rows.push(await timeLab(lab, engine, home));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return rows;
}

/** labs/expected-times.json: the expected wall time of each lab and engine on AWS, from this table. */
export function writeExpected(rows) {
  const out = { source: 'npm run bench (scripts/aws-timing-table.js): dry runs with --aws-timing', date: new Date().toISOString().slice(0, 10), labs: {} };
  for (const r of rows) {
    if (r.criticalMs === undefined || r.status !== 'succeeded') continue;
    (out.labs[r.lab] ??= {})[r.engine] = { wallMinutes: Math.round(r.wallMs / 6000) / 10, criticalPathMinutes: Math.round(r.criticalMs / 6000) / 10 };
  }
  writeFileSync(join(ROOT, 'labs', 'expected-times.json'), `${JSON.stringify(out, null, 2)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await timingTable();
  console.log(HEADER);
  for (const r of rows) console.log(formatRow(r));
  if (process.argv.includes('--verbose')) for (const r of rows) console.log(r.lab, r.engine, JSON.stringify(r.chain?.map((c) => `${c.kind}:${c.durationMs / 1000}`)), JSON.stringify(r.steps));
  if (process.argv.includes('--write')) writeExpected(rows);
  process.exitCode = rows.every((r) => r.status === 'succeeded' && r.overheadMs <= allowedOverheadMs(r.criticalMs)) ? 0 : 1;
}
