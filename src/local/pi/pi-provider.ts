/**
 * Answers the PI API's load queries from the local samplers: db.load.avg per period is the execution
 * time sampled in the period over the time sampled, i.e. average active sessions, in total and per
 * group (statement, user, database; waits: see wait-groups.ts). Other metrics (os.*, db.* counters)
 * are not measured locally: the provider leaves them to the model's synthesized series.
 */
import { createHash } from 'node:crypto';
import type { PiDimensionKey, PiProvider, PiQuery } from '../../sim/model/runtime.js';
import type { PiSample, PiSampler, SampledStatement } from './pi-sampler.js';
import { WAIT_GROUPS, waitParts, type GroupPart } from './wait-groups.js';

const LOAD_METRICS = new Set(['db.load.avg', 'db.sampledload.avg']);

/** undefined: the statement has no value for this dimension (its load counts in the total only). */
type Grouping = (s: SampledStatement, resourceId: string) => { id: string; dimensions: Record<string, string> } | undefined;

const tokenizedId = (s: SampledStatement, resourceId: string) => hash(`${resourceId}:${s.dbId}:${s.queryId}`).toUpperCase();
const dbId = (s: SampledStatement, resourceId: string) => `pi-${parseInt(hash(`${resourceId}:${s.dbId}`).slice(0, 8), 16)}`;

const GROUPS: Record<string, Grouping> = {
  'db.sql_tokenized': (s, r) => ({
    id: `${s.dbId}:${s.queryId}`,
    dimensions: { 'db.sql_tokenized.id': tokenizedId(s, r), 'db.sql_tokenized.statement': s.text, 'db.sql_tokenized.db_id': dbId(s, r) },
  }),
  // pg_stat_statements keeps only the normalized text: db.sql shows it too, with literals as $n.
  'db.sql': (s, r) => ({
    id: `${s.dbId}:${s.queryId}`,
    dimensions: {
      'db.sql.id': hash(`sql:${r}:${s.dbId}:${s.queryId}`).toUpperCase(),
      'db.sql.statement': s.text,
      'db.sql.tokenized_id': tokenizedId(s, r),
      'db.sql.db_id': dbId(s, r),
    },
  }),
  // A MySQL digest counts every user's executions together: one seen only finished has no user.
  'db.user': (s) => (s.userName === '' ? undefined : { id: s.userName, dimensions: { 'db.user.id': s.userName, 'db.user.name': s.userName } }),
  db: (s, r) => ({ id: String(s.dbId), dimensions: { 'db.id': dbId(s, r), 'db.name': s.dbName } }),
};

export type PiLoad = { timestamps: Date[]; values: number[]; keys: PiDimensionKey[] };

/** `samplerFor` finds the sampler of a DbiResourceId (undefined: PI is not on in the data plane). */
export function localPiProvider(samplerFor: (resourceId: string) => PiSampler | undefined, now: () => number = Date.now): PiProvider {
  return {
    async load(q: PiQuery): Promise<PiLoad | undefined> {
      if (!LOAD_METRICS.has(q.metric)) return undefined;
      const sampler = samplerFor(q.resourceId);
      if (!sampler) return { timestamps: [], values: [], keys: [] };
      // Statements that ended since the last read count now, not up to a second later.
      await sampler.refresh();
      return aggregateLoad(sampler.samples(), (key) => sampler.statement(key), q, now());
    },
  };
}

/** Spread each sample's time over the periods it overlaps and average per period (and per group). */
export function aggregateLoad(
  samples: readonly PiSample[],
  statement: (key: string) => SampledStatement | undefined,
  q: Pick<PiQuery, 'start' | 'end' | 'periodSeconds' | 'groupBy' | 'resourceId'>,
  nowMs: number,
): PiLoad {
  const step = q.periodSeconds * 1000;
  const start = q.start.getTime();
  const end = Math.min(q.end.getTime(), nowMs);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const covered = new Array<number>(n).fill(0);
  const total = new Array<number>(n).fill(0);
  const groups = new Map<string, { dimensions: Record<string, string>; sums: number[] }>();
  for (const s of samples) {
    const from = Math.max(s.endMs - s.spanMs, start);
    const to = Math.min(s.endMs, end);
    if (to <= from || s.spanMs <= 0) continue;
    let sampleMs = 0;
    for (const ms of s.load.values()) sampleMs += ms;
    const parts = q.groupBy ? groupParts(s, q.groupBy, statement, q.resourceId) : [];
    for (let i = Math.floor((from - start) / step); i < n && start + i * step < to; i++) {
      const pStart = start + i * step;
      const overlap = Math.min(to, pStart + step) - Math.max(from, pStart);
      if (overlap <= 0) continue;
      covered[i]! += overlap;
      const share = overlap / s.spanMs;
      total[i]! += sampleMs * share;
      for (const p of parts) {
        const entry = groups.get(p.id) ?? { dimensions: p.dimensions, sums: new Array<number>(n).fill(0) };
        entry.sums[i]! += p.ms * share;
        groups.set(p.id, entry);
      }
    }
  }
  const kept = covered.map((c, i) => (c > 0 ? i : -1)).filter((i) => i >= 0);
  const coveredMs = kept.reduce((a, i) => a + covered[i]!, 0);
  const keys: PiDimensionKey[] = [...groups.values()]
    .map((g) => ({
      dimensions: g.dimensions,
      total: coveredMs > 0 ? g.sums.reduce((a, b) => a + b, 0) / coveredMs : 0,
      values: kept.map((i) => g.sums[i]! / covered[i]!),
    }))
    .filter((k) => k.total > 0)
    .sort((a, b) => b.total - a.total);
  return {
    timestamps: kept.map((i) => new Date(start + i * step)),
    values: kept.map((i) => total[i]! / covered[i]!),
    keys,
  };
}

/** One sample's load by group: per statement, or per wait (wait-groups.ts). */
function groupParts(s: PiSample, groupBy: string, statement: (key: string) => SampledStatement | undefined, resourceId: string): GroupPart[] {
  if (WAIT_GROUPS.has(groupBy)) return waitParts(s, groupBy, statement);
  const grouping = GROUPS[groupBy];
  if (!grouping) return [];
  const parts: GroupPart[] = [];
  for (const [key, ms] of s.load) {
    const st = statement(key);
    const g = st ? grouping(st, resourceId) : undefined;
    if (g) parts.push({ ...g, ms });
  }
  return parts;
}

function hash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
