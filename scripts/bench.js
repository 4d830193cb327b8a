// npm run bench: the local target's figures (issue 4) measured with the built CLI (npm run build first).
//  1. `run cluster-launch --local`: wall time from the command's start to a verified writer and two
//     readers (every SQL check done), with the server already running (and, for reference, cold).
//  2. `run failover --local`: the client-observed write outage and the probe's resolution.
//  3. RSS of a three-instance cluster: every postgres process of it (postmasters and their children).
// Everything runs in a temporary AURORA_LAB_HOME on a free port, and is stopped and deleted at the end.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
};

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
  const r = await cli(['run', lab, '--local', '--yes', '--json', ...extra], { verified: 'tearing down', done: '[18/18]' });
  let doc;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    throw new Error(`run ${lab} printed no JSON (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
  }
  if (r.code !== 0 || doc.status !== 'succeeded') throw new Error(`run ${lab} ${doc.status} (exit ${r.code}):\n${r.stderr.slice(-2000)}`);
  return { ...r, doc };
}

/** Postmasters on a data dir under ours, and all their children: RSS and PSS in kB. */
function postgresMemory() {
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
      procs.push({ pid: Number(e), ppid, rss, pss, postmaster: cmd.some((a) => a.endsWith('postgres')) && cmd.some((a) => a.startsWith(dataDir) && a.includes('/instances/')) });
    } catch {
      // gone
    }
  }
  const masters = new Set(procs.filter((p) => p.postmaster).map((p) => p.pid));
  const mine = procs.filter((p) => masters.has(p.pid) || masters.has(p.ppid));
  return { postmasters: masters.size, processes: mine.length, rssKb: mine.reduce((s, p) => s + p.rss, 0), pssKb: mine.reduce((s, p) => s + p.pss, 0) };
}

const fmt = (ms) => (ms === undefined ? 'n/a' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const results = {};
try {
  // Cold: nothing running, no initdb template yet (the first run on a machine pays for both).
  const cold = await runLab('cluster-launch');
  results.clusterLaunchColdMs = cold.at.verified;
  // Warm: the server is running, as after `aurora-lab local start` or an earlier --local run.
  const warm = [];
  for (let i = 0; i < 3; i++) warm.push((await runLab('cluster-launch')).at.verified);
  results.clusterLaunchWarmMs = warm;

  const failover = await runLab('failover');
  const m = failover.doc.measurements;
  results.failover = { writeOutageMs: m.writeOutageMs, probeResolutionMs: m.probeResolutionMs, writerChangeMs: m.writerChangeMs, lostWrites: m.lostWrites, writerBefore: m.writerBefore, writerAfter: m.writerAfter };

  const kept = await runLab('cluster-launch', ['--keep']);
  results.memory = postgresMemory();
  await cli(['teardown', kept.doc.runId, '--yes']);

  const sorted = [...warm].sort((a, b) => a - b);
  console.log('aurora-lab local target benchmark');
  console.log(`  cluster-launch --local, start to verified writer + 2 readers: ${fmt(sorted[1])} warm (median of ${warm.map(fmt).join(', ')}; target < 5 s), ${fmt(results.clusterLaunchColdMs)} cold (server start and first initdb)`);
  console.log(`  failover --local: write outage ${fmt(m.writeOutageMs)} (target < 1 s), probe resolution ${fmt(m.probeResolutionMs)} (target <= 100 ms), writer ${m.writerBefore} -> ${m.writerAfter}, lost writes ${m.lostWrites}`);
  console.log(`  three-instance cluster memory: ${(results.memory.rssKb / 1024).toFixed(1)} MB RSS summed over ${results.memory.processes} postgres processes of ${results.memory.postmasters} instances (${(results.memory.pssKb / 1024).toFixed(1)} MB PSS, shared pages counted once; target < 300 MB)`);
  if (process.argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
} finally {
  await cli(['local', 'stop', '--purge']);
  rmSync(base, { recursive: true, force: true });
}
