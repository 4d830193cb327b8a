/**
 * The PI sampler against a real instance (every millisecond of execution counted once, whether booked
 * while running or when the statement ends), and the averaging of samples into periods.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalDataPlane } from '../../src/local/core/local-data-plane.js';
import { aggregateLoad } from '../../src/local/pi/pi-provider.js';
import type { PiSample, SampledStatement } from '../../src/local/pi/pi-sampler.js';
import { clusterSpec, connect, eventually, instanceSpec, newPlane } from './local-plane-helpers.js';

let plane: LocalDataPlane;
const RESOURCE = 'db-PISAMPLER0';

beforeAll(async () => {
  plane = newPlane().plane;
  await plane.createCluster(clusterSpec('pis', { performanceInsights: true }));
  await plane.createInstance(instanceSpec('pis-0', 'pis', 'writer', 0, { resourceId: RESOURCE }));
}, 60_000);

afterAll(async () => {
  await plane?.shutdown({ purge: true });
}, 60_000);

function msOf(samples: readonly PiSample[], statement: (key: string) => SampledStatement | undefined, match: RegExp): number {
  let sum = 0;
  for (const s of samples) for (const [key, ms] of s.load) if (match.test(statement(key)?.text ?? '')) sum += ms;
  return sum;
}

describe('the PI sampler', () => {
  it('counts a statement that runs across several reads once, spread over the reads it ran in', async () => {
    const sampler = plane.piSampler(RESOURCE)!;
    expect(sampler).toBeDefined();
    await sampler.refresh();
    const db = await connect(plane, plane.instanceEndpoint('pis-0'));
    try {
      await db.query('select pg_sleep($1)', [1.2]);
      // Another statement (an alias alone would not make one: pg_stat_statements ignores aliases).
      await db.query('select 1 as other, pg_sleep($1)', [0.3]);
    } finally {
      await db.end();
    }
    await sampler.refresh();
    const samples = sampler.samples();
    const slept = msOf(samples, (k) => sampler.statement(k), /^select pg_sleep\(\$1\)$/);
    expect(slept).toBeGreaterThan(1150);
    expect(slept).toBeLessThan(1300);
    expect(msOf(samples, (k) => sampler.statement(k), /as other, pg_sleep/)).toBeGreaterThan(280);
    // Booked while running: more than one sample holds some of the 1.2 s.
    const holding = samples.filter((s) => [...s.load].some(([k]) => sampler.statement(k)?.text === 'select pg_sleep($1)'));
    expect(holding.length).toBeGreaterThanOrEqual(2);
  });

  it('does not count the admin role or its own reads', async () => {
    const sampler = plane.piSampler(RESOURCE)!;
    for (let n = 0; n < 3; n++) await sampler.refresh();
    await eventually(async () => sampler.samples().length > 2);
    const texts = sampler.samples().flatMap((s) => [...s.load.keys()].map((k) => sampler.statement(k)?.text ?? ''));
    expect(texts.join('\n')).not.toMatch(/pg_stat_statements|pg_stat_activity|aurora-lab pi sampler/);
  });
});

describe('averaging samples into periods', () => {
  const st = (key: string, text: string): SampledStatement => ({ key, queryId: key, dbId: 5, dbName: 'lab', userName: 'labadmin', text });
  const statements: Record<string, SampledStatement> = { a: st('a', 'select a'), b: st('b', 'select b') };
  const q = { start: new Date(60_000), end: new Date(240_000), periodSeconds: 60, groupBy: 'db.sql_tokenized', resourceId: 'db-X' };

  it('gives average active sessions per period, split where a sample crosses a boundary, and ranks statements by total', () => {
    const samples: PiSample[] = [
      // 60-120 s: a busy for 30 s of a 60 s sample -> 0.5 sessions.
      { endMs: 120_000, spanMs: 60_000, load: new Map([['a', 30_000]]) },
      // 120-180 s: b busy throughout, a for 6 s -> 1.1 sessions in all.
      { endMs: 180_000, spanMs: 60_000, load: new Map([['a', 6_000], ['b', 60_000]]) },
    ];
    const out = aggregateLoad(samples, (k) => statements[k], q, 1e12);
    expect(out.timestamps.map((t) => t.getTime())).toEqual([60_000, 120_000]);
    expect(out.values).toEqual([0.5, 1.1]);
    expect(out.keys.map((k) => k.dimensions['db.sql_tokenized.statement'])).toEqual(['select b', 'select a']);
    expect(out.keys[0]!.values).toEqual([0, 1]);
    expect(out.keys[0]!.total).toBeCloseTo(0.5);
    expect(out.keys[1]!.total).toBeCloseTo(0.3);
  });

  it('splits a sample across the periods it overlaps and leaves out periods nothing sampled', () => {
    const samples: PiSample[] = [{ endMs: 150_000, spanMs: 60_000, load: new Map([['a', 60_000]]) }];
    const out = aggregateLoad(samples, (k) => statements[k], q, 1e12);
    expect(out.timestamps.map((t) => t.getTime())).toEqual([60_000, 120_000]);
    expect(out.values).toEqual([1, 1]);
    expect(out.keys[0]!.total).toBe(1);
  });
});
