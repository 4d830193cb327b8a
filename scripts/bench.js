// npm run bench: the local target's figures (issue 4) measured with the built CLI (npm run build first).
//  1-3, for aurora-postgresql and for aurora-mysql (MariaDB) side by side:
//  1. `run cluster-launch --local`: wall time from the command's start to a verified writer and two
//     readers (every SQL check done), with the server already running (and, for reference, cold).
//  2. `run failover --local`: the client-observed write outage and the probe's resolution.
//  3. RSS of a three-instance cluster: every server process of it (postmasters and their children, or mariadbd).
//  4. `run iam-auth --local` (3 runs): the IAM token login through the cluster endpoint, client and server side.
//  5. `run serverless-v2 --local`: the connect that resumes a paused instance, and the capacity peak.
//  6. `run performance-insights --local`: the top statement by db.load.avg and its load.
//  7. `run global-database --local`: replication lag and the switchover, with the data plane's own timings.
//  8. The simulated-AWS timing table (issue 15): every lab and engine as a dry run with --aws-timing,
//     critical path against wall time on the virtual clock (scripts/aws-timing-table.js;
//     --write-expected refreshes labs/expected-times.json, which `show` and the AWS confirmation quote).
//  9. Every lab-and-engine dry run (9 labs x 2 engines: 18) in sequence, three rounds (the machine is
//     shared: the quickest counts): the total of each round, and each run's quickest of its three,
//     with the load average beside them (a figure taken on a busy machine says so). The home is new, so
//     the first round also fills the lab cache and V8's code cache (AURORA_LAB_HOME/cache). Issue 15's
//     target (under 10 s) was set for the 14 runs of the seven labs there were then: printed apart.
// --dry-only runs 8 and 9 alone (no local server); --dry-runs-only runs 9 alone.
// Server-side figures come from the server's log ($AURORA_LAB_HOME/local/server.log), read per run.
// A failed run is printed as a failure (exit code 1) and the other scenarios still run.
// Everything runs in a temporary AURORA_LAB_HOME on a free port, and is stopped and deleted at the end.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allowedOverheadMs, ENGINES, formatRow, HEADER, labNames, timingTable, writeExpected } from './aws-timing-table.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'aurora-lab.js');
if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
  console.error('bench: build first (npm run build)');
  process.exit(2);
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

const base = mkdtempSync(join(tmpdir(), 'aurora-lab-bench-'));
chmodSync(base, 0o755);
const dataDir = join(base, 'data');
const env = {
  ...process.env,
  AURORA_LAB_HOME: join(base, 'home'),
  AURORA_LAB_LOCAL_DATA: dataDir,
  AURORA_LAB_LOCAL_PORT: String(await freePort()),
  AURORA_LAB_LOCAL_PORT_BASE: String(30000 + Math.floor(Math.random() * 300) * 100),
  NO_COLOR: '1',
  // Serverless v2's SecondsUntilAutoPause 300 becomes 3 s, so that the resume is measured in seconds.
  AURORA_LAB_LOCAL_TIME_SCALE: '0.01',
};
const serverLog = join(env.AURORA_LAB_HOME, 'local', 'server.log');

/** Run the CLI; `marks` maps a name to a stderr substring whose first arrival time is recorded (ms since spawn). */
function cli(args, marks = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const at = {};
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      for (const [name, text] of Object.entries(marks)) if (at[name] === undefined && stderr.includes(text)) at[name] = performance.now() - started;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, at, wallMs: performance.now() - started }));
  });
}

async function runLab(lab, extra = []) {
  const logFrom = logSize();
  const r = await cli(['run', lab, '--local', '--yes', '--json', ...extra], { verified: 'tearing down', done: '[18/18]' });
  let doc;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    throw new Error(`run ${lab} printed no JSON (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
  }
  if (r.code !== 0 || doc.status !== 'succeeded') throw new Error(`run ${lab} ${whyFailed(doc)} (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
  return { ...r, doc, log: logSince(logFrom) };
}

/** An error document's code and message, or a run's status with its failed steps and checks. */
function whyFailed(doc) {
  if (doc.error) return `${doc.error.code}: ${doc.error.message}`;
  const steps = (doc.steps ?? []).filter((s) => s.status === 'failed').map((s) => s.id);
  const checks = (doc.checks ?? []).filter((c) => !c.passed).map((c) => `"${c.name}"`);
  return [doc.status, steps.length ? `at step ${steps.join(', ')}` : '', checks.length ? `failed checks ${checks.join(', ')}` : ''].filter(Boolean).join(' ');
}

const logSize = () => (existsSync(serverLog) ? readFileSync(serverLog).length : 0);
const logSince = (offset) => (existsSync(serverLog) ? readFileSync(serverLog).subarray(offset).toString('utf8') : '');
/** The numbers a server.log event line carries: the first line of `code` matching `re`, its groups as numbers. */
function logFigures(log, code, re) {
  const m = log.split('\n').filter((l) => l.includes(` ${code} `)).map((l) => re.exec(l)).find(Boolean);
  return m ? m.slice(1).map(Number) : [];
}
const stepMs = (doc, id) => doc.steps.find((s) => s.id === id)?.durationMs;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const fmt = (ms) => (ms === undefined ? 'n/a' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const results = {};
const lines = [];
let failed = false;
/** One scenario: its lines, or one FAILED line (and the run's stderr tail on stderr); later scenarios still run. */
async function scenario(name, fn) {
  try {
    lines.push(...(await fn()));
  } catch (err) {
    failed = true;
    results[name] = { failed: String(err.message ?? err).split('\n')[0].replace(/:$/, '') };
    lines.push(`  ${name}: FAILED, ${results[name].failed}`);
    console.error(`bench: ${name} failed: ${err.message ?? err}`);
  }
}

/** Database servers (postmasters, mariadbd) on a data dir under ours, and all their children: RSS and PSS in kB. */
function serverMemory() {
  const procs = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const status = readFileSync(`/proc/${e}/status`, 'utf8');
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      let pss = 0;
      try {
        pss = Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${e}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
      } catch {
        // no smaps_rollup on this kernel
      }
      procs.push({ pid: Number(e), ppid, rss, pss, postmaster: cmd.some((a) => a.endsWith('postgres') || a.endsWith('mariadbd')) && cmd.some((a) => a.includes(dataDir) && a.includes('/instances/')) });
    } catch {
      // gone
    }
  }
  const masters = new Set(procs.filter((p) => p.postmaster).map((p) => p.pid));
  const mine = procs.filter((p) => masters.has(p.pid) || masters.has(p.ppid));
  return { postmasters: masters.size, processes: mine.length, rssKb: mine.reduce((s, p) => s + p.rss, 0), pssKb: mine.reduce((s, p) => s + p.pss, 0) };
}

const DRY_ONLY = process.argv.includes('--dry-only');

const DRY_RUNS_ONLY = process.argv.includes('--dry-runs-only');

/** Rounds of every dry run in sequence: { totals: ms per round, runs: [{ lab, engine, ms: [per round] }] }. */
async function dryRunRounds(rounds) {
  const home = mkdtempSync(join(tmpdir(), 'aurora-lab-dry-'));
  const dryEnv = { ...env, AURORA_LAB_HOME: home, AWS_EC2_METADATA_DISABLED: 'true' };
  const totals = [];
  const runs = labNames().flatMap((lab) => ENGINES.map((engine) => ({ lab, engine, ms: [] })));
  try {
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      for (const run of runs) {
        const runStarted = performance.now();
        const code = await new Promise((resolve) => {
          const child = spawn(process.execPath, [BIN, 'run', run.lab, '--engine', run.engine, '--dry-run', '--json'], { cwd: ROOT, env: dryEnv, stdio: 'ignore' });
          child.on('close', resolve);
        });
        if (code !== 0) throw new Error(`dry run ${run.lab} ${run.engine} exited ${code}`);
        run.ms.push(performance.now() - runStarted);
      }
      totals.push(performance.now() - started);
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return { totals, runs };
}

const ORIGINAL_LABS = ['cluster-launch', 'failover', 'global-database', 'iam-auth', 'performance-insights', 'serverless-v2', 'snapshot-migration'];
/** Issue 15's figure: each round's time of the 14 dry runs of the seven labs there were when it was filed. */
const originalRounds = ({ totals, runs }) => totals.map((_, round) => runs.filter((r) => ORIGINAL_LABS.includes(r.lab)).reduce((n, r) => n + r.ms[round], 0));

const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(', ');

/** The dry-run figure's lines: the rounds' totals, then one row per lab, an engine per column. */
function dryRunLines({ totals, runs }, loadBefore) {
  const width = Math.max(...runs.map((r) => r.lab.length));
  const quickest = (lab, engine) => Math.min(...runs.find((r) => r.lab === lab && r.engine === engine).ms);
  const sumOfQuickest = runs.reduce((n, r) => n + Math.min(...r.ms), 0);
  const original = originalRounds({ totals, runs });
  return [
    `  ${runs.length} lab-and-engine dry runs in sequence: quickest round ${fmt(Math.min(...totals))} (rounds ${totals.map(fmt).join(', ')}, the first with empty caches); ` +
      `load average ${loadBefore} before, ${loadAverage()} after (1, 5, 15 min; ${cpus().length} cores)`,
    `  of them the ${ORIGINAL_LABS.length * ENGINES.length} of the seven labs issue 15 counted: quickest round ${fmt(Math.min(...original))} (rounds ${original.map(fmt).join(', ')}; target < 10 s)`,
    `  each run, the quickest of ${totals.length} (sum ${fmt(sumOfQuickest)}):`,
    `    ${'lab'.padEnd(width)}  ${ENGINES.map((e) => e.padStart(17)).join('  ')}`,
    ...labNames().map((lab) => `    ${lab.padEnd(width)}  ${ENGINES.map((e) => fmt(quickest(lab, e)).padStart(17)).join('  ')}`),
  ];
}

try {
  if (!DRY_RUNS_ONLY) await scenario('awsTiming', async () => {
    const rows = await timingTable();
    if (process.argv.includes('--write-expected')) writeExpected(rows);
    results.awsTiming = rows.map(({ chain: _c, steps: _s, ...r }) => r);
    const over = rows.filter((r) => r.status !== 'succeeded' || r.overheadMs > allowedOverheadMs(r.criticalMs));
    if (over.length > 0) failed = true;
    return [
      '  simulated AWS timing (dry run --aws-timing): critical path, wall time on the virtual clock, overhead (bound: 5 % or 60 s, whichever is larger)',
      HEADER,
      ...rows.map(formatRow),
    ];
  });

  await scenario('dryRuns', async () => {
    const loadBefore = loadAverage();
    const rounds = await dryRunRounds(3);
    results.dryRunsMs = rounds.totals.map(Math.round);
    results.originalDryRunsMs = originalRounds(rounds).map(Math.round);
    results.dryRunMs = Object.fromEntries(rounds.runs.map((r) => [`${r.lab} ${r.engine}`, r.ms.map(Math.round)]));
    results.dryRunsLoadAverage = { before: loadBefore, after: loadAverage() };
    return dryRunLines(rounds, loadBefore);
  });

  if (!DRY_ONLY && !DRY_RUNS_ONLY) await localScenarios();

  console.log('aurora-lab benchmark');
  for (const line of lines) console.log(line);
  if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
} finally {
  if (!DRY_ONLY) await cli(['local', 'stop', '--purge']);
  rmSync(base, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;

async function localScenarios() {
  // The three core figures for both engines side by side: PostgreSQL, and MariaDB standing in for Aurora MySQL.
  for (const engine of ['aurora-postgresql', 'aurora-mysql']) {
    const E = ['--engine', engine];
    const tag = engine === 'aurora-mysql' ? 'mysql' : 'pg';
    await scenario(`clusterLaunch.${tag}`, async () => {
      // Cold: for the first engine nothing runs yet and there is no data template (the first run on a
      // machine pays for both); for the second the server runs but its engine's template is new.
      const cold = await runLab('cluster-launch', E);
      // Warm: the server is running, as after `aurora-lab local start` or an earlier --local run.
      const warm = [];
      for (let i = 0; i < 3; i++) warm.push((await runLab('cluster-launch', E)).at.verified);
      results[`clusterLaunch.${tag}`] = { coldMs: cold.at.verified, warmMs: warm };
      return [`  ${engine} cluster-launch --local, start to verified writer + 2 readers: ${fmt(median(warm))} warm (median of ${warm.map(fmt).join(', ')}; target < 5 s), ${fmt(cold.at.verified)} cold (first template of the engine)`];
    });

    await scenario(`failover.${tag}`, async () => {
      const m = (await runLab('failover', E)).doc.measurements;
      results[`failover.${tag}`] = { writeOutageMs: m.writeOutageMs, probeResolutionMs: m.probeResolutionMs, writerChangeMs: m.writerChangeMs, lostWrites: m.lostWrites, writerBefore: m.writerBefore, writerAfter: m.writerAfter };
      return [`  ${engine} failover --local: write outage ${fmt(m.writeOutageMs)} (target < 1 s), probe resolution ${fmt(m.probeResolutionMs)} (target <= 100 ms), writer ${m.writerBefore} -> ${m.writerAfter}, lost writes ${m.lostWrites}`];
    });

    await scenario(`memory.${tag}`, async () => {
      const kept = await runLab('cluster-launch', [...E, '--keep']);
      const mem = (results[`memory.${tag}`] = serverMemory());
      const down = await cli(['teardown', kept.doc.runId, '--yes']);
      if (down.code !== 0) throw new Error(`teardown ${kept.doc.runId} exited ${down.code}:\n${down.stderr.slice(-2000)}`);
      const program = tag === 'mysql' ? 'mariadbd' : 'postgres';
      return [`  ${engine} three-instance cluster memory: ${(mem.rssKb / 1024).toFixed(1)} MB RSS summed over ${mem.processes} ${program} processes of ${mem.postmasters} instances (${(mem.pssKb / 1024).toFixed(1)} MB PSS, shared pages counted once; target < 300 MB)`];
    });
  }

  const PG = ['--engine', 'aurora-postgresql'];
  await scenario('iamAuth', async () => {
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const r = await runLab('iam-auth', PG);
      // iamLoginMs: the client's connect (TLS, token check, backend login); the step adds signing, a query and the close.
      runs.push({ connectMs: r.doc.measurements.iamLoginMs, stepMs: stepMs(r.doc, 'iam-login'), serverMs: logFigures(r.log, 'local.iam.login', /accepted in (\d+) ms/)[0], wallMs: Math.round(r.wallMs) });
    }
    results.iamAuth = runs;
    const med = (k) => fmt(median(runs.map((r) => r[k]).filter((v) => v !== undefined)));
    return [
      `  iam-auth --local, IAM token login through the cluster endpoint: ${med('connectMs')} client connect (median of ${runs.map((r) => fmt(r.connectMs)).join(', ')}), ` +
        `${med('serverMs')} at the front from password request to backend login (${runs.map((r) => fmt(r.serverMs)).join(', ')}), iam-login step ${med('stepMs')} (signing, connect, query, close); lab wall ${med('wallMs')}`,
    ];
  });

  await scenario('serverlessV2', async () => {
    const loadSeconds = 5;
    const r = await runLab('serverless-v2', [...PG, '--param', `loadSeconds=${loadSeconds}`]);
    const m = r.doc.measurements;
    const [serverResumeMs] = logFigures(r.log, 'local.serverless.resumed', /resumed in (\d+) ms/);
    results.serverlessV2 = { resumeConnectMs: m.resumeConnectMs, resumeQueryMs: m.resumeQueryMs, peakCapacity: m.peakCapacity, serverResumeMs, pauseWaitMs: stepMs(r.doc, 'wait-pause'), wallMs: Math.round(r.wallMs) };
    return [
      `  serverless-v2 --local (time scale ${env.AURORA_LAB_LOCAL_TIME_SCALE}, loadSeconds=${loadSeconds}): connect to the paused instance ${fmt(m.resumeConnectMs)} (server-side resume ${fmt(serverResumeMs)}), first query ${fmt(m.resumeQueryMs)}, ` +
        `peak ${m.peakCapacity} ACU, wait for the pause ${fmt(stepMs(r.doc, 'wait-pause'))}; lab wall ${fmt(r.wallMs)}`,
    ];
  });

  await scenario('performanceInsights', async () => {
    const r = await runLab('performance-insights', PG);
    const m = r.doc.measurements;
    const top = r.doc.checks.find((c) => /^top: /.test(c.detail ?? ''));
    const topLoad = Number(/\(([\d.]+) average active sessions\)/.exec(top?.detail ?? '')?.[1]);
    results.performanceInsights = { topStatement: m.topStatement, topLoad, slowStatementMs: m.slowStatementMs, workloadMs: stepMs(r.doc, 'workload'), wallMs: Math.round(r.wallMs) };
    return [`  performance-insights --local: top statement "${m.topStatement}" at ${Number.isFinite(topLoad) ? topLoad.toFixed(2) : 'n/a'} average active sessions (slow statement ${fmt(m.slowStatementMs)}); lab wall ${fmt(r.wallMs)} (workload step ${fmt(stepMs(r.doc, 'workload'))})`];
  });

  await scenario('globalDatabase', async () => {
    const r = await runLab('global-database', PG);
    const m = r.doc.measurements;
    const [moveMs, catchUpMs, stopMs, promoteMs, rejoinMs] = logFigures(r.log, 'local.global.switched', /in (\d+) ms \(catch-up (\d+) ms, stop (\d+) ms, promote (\d+) ms, old primary rejoined in (\d+) ms/);
    results.globalDatabase = { globalLagMs: m.globalLagMs, switchoverMs: m.switchoverMs, dataPlane: { moveMs, catchUpMs, stopMs, promoteMs, rejoinMs }, wallMs: Math.round(r.wallMs) };
    return [
      `  global-database --local: lag ${fmt(m.globalLagMs)}, switchover ${fmt(m.switchoverMs)} as the lab saw it; data plane moved the primary in ${fmt(moveMs)} ` +
        `(catch-up ${fmt(catchUpMs)}, stop ${fmt(stopMs)}, promote ${fmt(promoteMs)}, old primary rejoined ${fmt(rejoinMs)}); lab wall ${fmt(r.wallMs)}`,
    ];
  });

}
