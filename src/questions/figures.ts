/**
 * The learner's own figures for the answers: each placeholder becomes a sentence from the newest
 * passed run of the lab that measures it (on AWS or --local; a dry run measured nothing), or, with
 * no such run, a sentence inviting the lab. Never a blank, never a 0 that was not measured.
 */
import type { RunState } from '../state/run-state.js';

type Figure = (runs: RunState[]) => string;

const day = (iso: string) => iso.slice(0, 10);
const ms = (v: unknown) => (typeof v === 'number' ? `${Math.round(v)} ms` : undefined);
const where = (s: RunState) => (s.target === 'local' ? 'locally' : `on AWS (${s.region})`);
const engineName = (e: string) => (e === 'aurora-mysql' ? 'Aurora MySQL' : 'Aurora PostgreSQL');

function passed(runs: RunState[], lab: string): RunState | undefined {
  return runs
    .filter((r) => r.lab === lab && r.target !== 'dry-run' && r.status !== 'failed' && r.status !== 'interrupted' && r.status !== 'running' && r.checks.length > 0 && r.checks.every((c) => c.passed))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
}

const invite = (lab: string, what: string) => `Run \`aurora-lab run ${lab} --local\` (free, on this machine) to ${what}.`;

export const FIGURES: Record<string, Figure> = {
  failover(runs) {
    const r = passed(runs, 'failover');
    const outage = r && ms(r.measurements['writeOutageMs']);
    if (!r || !outage) return invite('failover', 'watch a failover from the client side: which instance took over, and how long writes failed');
    const moved = `moved the writer from ${String(r.measurements['writerBefore'])} to ${String(r.measurements['writerAfter'])}`;
    const change = ms(r.measurements['writerChangeMs']);
    const dns = r.target === 'local' ? '; through DNS on AWS expect 12-15 s, about 7 s with a cluster-aware driver' : '';
    return `Your failover run on ${day(r.createdAt)} (${engineName(r.engine)}) ${moved}${change ? ` ${change} after FailoverDBCluster was called` : ''}; clients saw ${outage} of write outage ${where(r)}${dns}.`;
  },
  replicaLag(runs) {
    const r = passed(runs, 'cluster-launch');
    const lag = r && ms(r.measurements['replicaLagMs']);
    if (!r || !lag) return invite('cluster-launch', 'time how long a row written on the writer takes to appear on each reader');
    return `In your cluster-launch run on ${day(r.createdAt)} (${engineName(r.engine)}, ${where(r)}), a row written on the writer was visible on the last reader after ${lag}.`;
  },
  serverless(runs) {
    const r = passed(runs, 'serverless-v2');
    const peak = r?.measurements['peakCapacity'];
    if (!r || typeof peak !== 'number') return invite('serverless-v2', 'watch capacity climb under load, fall back, pause at 0 ACU and resume');
    const resume = ms(r.measurements['resumeConnectMs']);
    return `Your serverless-v2 run on ${day(r.createdAt)} (${where(r)}) peaked at ${peak} ACU under load${resume ? `, and the first connection after the pause took ${resume} to log in` : ''}${r.target === 'local' ? ' (locally time runs faster; on AWS a resume takes about 15 s)' : ''}.`;
  },
  globalDatabase(runs) {
    const r = passed(runs, 'global-database');
    const lag = r && ms(r.measurements['globalLagMs']);
    if (!r || !lag) return invite('global-database', 'build a two-region global database, time a row crossing regions, and switch the primary over');
    const sw = ms(r.measurements['switchoverMs']);
    const back = ms(r.measurements['failoverWritesMs']);
    const lost = r.measurements['oldPrimaryLostWrites'];
    const acked = r.measurements['oldPrimaryAcknowledgedWrites'];
    const lagBefore = ms(r.measurements['lagBeforeFailoverMs']);
    const failover = back && typeof lost === 'number' && typeof acked === 'number'
      ? `; the failover with AllowDataLoss had the secondary taking writes ${back} after the call and lost ${lost} of ${acked} acknowledged ${acked === 1 ? 'write' : 'writes'}${lagBefore ? ` with ${lagBefore} of lag just before` : ''}`
      : '';
    return `Your global-database run on ${day(r.createdAt)} (${where(r)}) saw a row written in ${r.region} readable in ${String(r.measurements['secondaryRegion'])} after ${lag}${sw ? `, and the switchover moved the primary in ${sw}` : ''}${failover}${r.target === 'local' ? ' (locally the regions are loopback, so only the mechanics carry over, not the figures)' : ''}.`;
  },
  migration(runs) {
    const r = passed(runs, 'snapshot-migration');
    const rows = r?.measurements['migratedRows'];
    if (!r || typeof rows !== 'number') return invite('snapshot-migration', 'move an RDS database into Aurora by snapshot and prove, by checksum, that every row arrived');
    return `Your snapshot-migration run on ${day(r.createdAt)} (${engineName(r.engine)}, ${where(r)}) restored an RDS snapshot into Aurora with all ${rows} rows and an identical checksum.`;
  },
  engines(runs) {
    const byEngine = new Map<string, Set<string>>();
    for (const r of runs) {
      if (!passed([r], r.lab)) continue;
      (byEngine.get(r.engine) ?? byEngine.set(r.engine, new Set()).get(r.engine)!).add(r.lab);
    }
    if (byEngine.size === 0) return 'Run `aurora-lab run cluster-launch --local --engine aurora-mysql`, then the same with `--engine aurora-postgresql`, to see the same steps on both engines.';
    const parts = [...byEngine].map(([e, labs]) => `${labs.size} lab${labs.size > 1 ? 's' : ''} on ${engineName(e)} (${[...labs].sort().join(', ')})`);
    const missing = ['aurora-postgresql', 'aurora-mysql'].filter((e) => !byEngine.has(e)).map(engineName);
    return `You have passed ${parts.join(' and ')}${missing.length ? `; try the same on ${missing.join(' and ')} to compare` : ''}.`;
  },
};

/** Replace every {{ your.name }} with its sentence; an unknown name is left visible, to be corrected. */
export function fillFigures(text: string, runs: RunState[]): { text: string; used: string[] } {
  const used: string[] = [];
  const filled = text.replace(/\{\{\s*your\.([A-Za-z]+)\s*\}\}/g, (whole, name: string) => {
    const figure = FIGURES[name];
    if (!figure) return whole;
    used.push(name);
    return figure(runs);
  });
  return { text: filled, used };
}
