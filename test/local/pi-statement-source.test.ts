/**
 * The engine-neutral PI sampler over a scripted StatementSource: the bookkeeping every engine shares
 * (the baseline, running statements booked in the interval they ran, debts paid by counter growth,
 * provisional keys re-attributed to the key the statement ended with), and the waits of the sessions
 * seen running, which db.wait_event splits a statement's load by.
 */
import { describe, expect, it } from 'vitest';
import { aggregateLoad } from '../../src/local/pi/pi-provider.js';
import { PiSampler } from '../../src/local/pi/pi-sampler.js';
import type { SampledStatement, StatementRead, StatementSource } from '../../src/local/pi/statement-source.js';

const real: SampledStatement = { key: 'lab:abc', queryId: 'abc', dbId: 'lab', dbName: 'lab', userName: 'lab', text: 'SELECT `sleep` (?)' };

/** Reads come from `script` one by one; the clock is the read's nowMs. */
function scripted(script: StatementRead[], settle?: Map<string, string>): { source: StatementSource; clock: () => number } {
  let i = -1;
  const source: StatementSource = {
    read: async () => script[++i]!,
    describe: async (keys) => ({ statements: keys.includes(real.key) ? [real] : [], ignored: keys.filter((k) => k.startsWith('own:')) }),
    ...(settle ? { settle: async (execs: string[]) => new Map(execs.flatMap((e) => (settle.has(e) ? [[e, settle.get(e)!] as const] : []))) } : {}),
    close: async () => undefined,
  };
  return { source, clock: () => script[Math.max(0, i)]!.nowMs };
}

const pending = (startedMs: number) => ({
  exec: '7:1', key: 'pending:lab:select sleep(?)', pending: true, startedMs,
  provisional: { key: 'pending:lab:select sleep(?)', queryId: 'pending:lab:select sleep(?)', dbId: 'lab', dbName: 'lab', userName: 'lab', text: 'select sleep(?)' },
});

async function run(script: StatementRead[], settle?: Map<string, string>): Promise<PiSampler> {
  const { source, clock } = scripted(script, settle);
  const sampler = new PiSampler({ instanceId: 'i', source, now: clock, intervalMs: 60_000 });
  for (let n = 0; n < script.length; n++) await sampler.refresh();
  return sampler;
}

const sumBy = (s: PiSampler) => {
  const out = new Map<string, number>();
  for (const x of s.samples()) for (const [k, ms] of x.load) out.set(s.statement(k)?.text ?? k, (out.get(s.statement(k)?.text ?? k) ?? 0) + ms);
  return Object.fromEntries(out);
};

describe('the engine-neutral PI sampler', () => {
  it('books a running statement per interval and counts it once when its provisional key settles to the real one', async () => {
    const sampler = await run([
      { counters: new Map(), running: [pending(1000)], nowMs: 1500 }, // baseline
      { counters: new Map(), running: [pending(1000)], nowMs: 2500 },
      { counters: new Map(), running: [pending(1000)], nowMs: 3500 },
      { counters: new Map([[real.key, 3000]]), running: [], nowMs: 4500 }, // ended at 4000 after 3000 ms
    ], new Map([['7:1', real.key]]));
    const spans = sampler.samples().map((x) => [...x.load.values()].reduce((a, b) => a + b, 0));
    // 1000 ms in each of the two intervals it was seen running, then the 1000 ms not booked yet.
    expect(spans).toEqual([1000, 1000, 1000]);
    expect(sumBy(sampler)).toEqual({ 'SELECT `sleep` (?)': 3000 });
    expect(sampler.statement('pending:lab:select sleep(?)')).toEqual(real);
  });

  it('asks again about an execution that ended before the source could settle it, and still counts it once', async () => {
    const { source, clock } = scripted([
      { counters: new Map(), running: [pending(1000)], nowMs: 1500 }, // baseline
      { counters: new Map(), running: [pending(1000)], nowMs: 2500 },
      { counters: new Map(), running: [], nowMs: 3500 }, // ended at 3000; its history row is not there yet
      { counters: new Map([[real.key, 2000]]), running: [], nowMs: 4500 }, // now it is, and the digest grew
    ]);
    const asked: string[][] = [];
    let reads = 0;
    source.settle = async (execs) => {
      asked.push(execs);
      return new Map(reads >= 4 ? execs.map((e) => [e, real.key] as const) : []);
    };
    const sampler = new PiSampler({ instanceId: 'i', source, now: clock, intervalMs: 60_000 });
    for (; reads < 4; ) {
      reads++;
      await sampler.refresh();
    }
    expect(asked).toEqual([['7:1'], ['7:1']]);
    // 1000 ms booked while it ran, 1000 of the digest's 2000 not booked yet: 2000 in all, under the digest.
    expect(sumBy(sampler)).toEqual({ 'SELECT `sleep` (?)': 2000 });
  });

  it('counts growth only after the baseline, and never for ignored keys', async () => {
    const sampler = await run([
      { counters: new Map([[real.key, 5000], ['own:x', 10]]), running: [], nowMs: 1000 },
      { counters: new Map([[real.key, 5400], ['own:x', 20]]), running: [], nowMs: 2000 },
    ]);
    expect(sampler.samples().map((x) => Object.fromEntries(x.load))).toEqual([{ [real.key]: 400 }]);
  });

  it('treats a counter that went down as reset, counting from zero', async () => {
    const sampler = await run([
      { counters: new Map([[real.key, 5000]]), running: [], nowMs: 1000 },
      { counters: new Map([[real.key, 300]]), running: [], nowMs: 2000 },
    ]);
    expect(sumBy(sampler)).toEqual({ 'SELECT `sleep` (?)': 300 });
  });

  it('groups a MySQL digest by schema name, and leaves a statement of no known user out of db.user but in the total', async () => {
    const anonymous: SampledStatement = { ...real, key: 'lab:def', queryId: 'def', userName: '', text: 'SELECT ?' };
    const byKey = new Map([[real.key, real], [anonymous.key, anonymous]]);
    const samples = [{ endMs: 60_000, spanMs: 60_000, load: new Map([[real.key, 30_000], [anonymous.key, 15_000]]) }];
    const q = { start: new Date(0), end: new Date(60_000), periodSeconds: 60, resourceId: 'db-M' };
    const users = aggregateLoad(samples, (k) => byKey.get(k), { ...q, groupBy: 'db.user' }, 60_000);
    expect(users.values).toEqual([0.75]);
    expect(users.keys.map((k) => [k.dimensions['db.user.name'], k.total])).toEqual([['lab', 0.5]]);
    const dbs = aggregateLoad(samples, (k) => byKey.get(k), { ...q, groupBy: 'db' }, 60_000);
    expect(dbs.keys.map((k) => [k.dimensions['db.name'], k.total])).toEqual([['lab', 0.75]]);
  });

  it("keeps the wait each running session was seen in, and splits the statement's load by them (db.wait_event, db.wait_event_type)", async () => {
    const scan = (exec: string, wait: { type: string; name: string }) => ({ ...pending(1000), exec, wait });
    const sampler = await run([
      { counters: new Map(), running: [scan('7:1', { type: 'CPU', name: 'CPU' }), scan('8:1', { type: 'io', name: 'wait/io/table/sql/handler' })], nowMs: 1500 },
      { counters: new Map(), running: [scan('7:1', { type: 'io', name: 'wait/io/table/sql/handler' }), scan('8:1', { type: 'io', name: 'wait/io/table/sql/handler' })], nowMs: 2500 },
      { counters: new Map([[real.key, 3000]]), running: [], nowMs: 3500 },
    ], new Map([['7:1', real.key], ['8:1', real.key]]));
    const [first, second] = sampler.samples();
    // The second read saw both sessions in table I/O; the third read saw nothing running.
    expect([...first!.waits!.values()].map((w) => Object.fromEntries(w))).toEqual([{ 'io\u0000wait/io/table/sql/handler': 2 }]);
    expect(second!.waits).toBeUndefined();
    const q = { start: new Date(0), end: new Date(4000), periodSeconds: 1, resourceId: 'db-M' };
    const waits = aggregateLoad(sampler.samples(), (k) => sampler.statement(k), { ...q, groupBy: 'db.wait_event' }, 4000);
    expect(waits.keys.map((k) => k.dimensions)).toEqual([{ 'db.wait_event.type': 'io', 'db.wait_event.name': 'wait/io/table/sql/handler' }]);
    // 2000 ms booked while seen in I/O, over the 2000 ms sampled: 1 session; the last 1000 ms no read saw running.
    const total = aggregateLoad(sampler.samples(), (k) => sampler.statement(k), q, 4000);
    expect(waits.keys[0]!.total).toBeCloseTo(2000 / 2000, 5);
    expect(total.values.reduce((a, b) => a + b, 0)).toBeGreaterThan(waits.keys[0]!.total);
    const types = aggregateLoad(sampler.samples(), (k) => sampler.statement(k), { ...q, groupBy: 'db.wait_event_type' }, 4000);
    expect(types.keys.map((k) => k.dimensions)).toEqual([{ 'db.wait_event_type.name': 'io' }]);
  });

  it("splits one sample's load of a statement over the waits of its sessions, in proportion to the sessions", () => {
    const byKey = new Map([[real.key, real]]);
    const samples = [{
      endMs: 1000, spanMs: 1000, load: new Map([[real.key, 900], ['lab:other', 100]]),
      waits: new Map([[real.key, new Map([['CPU\u0000CPU', 2], ['IO\u0000IO:DataFileRead', 1]])]]),
    }];
    const out = aggregateLoad(samples, (k) => byKey.get(k), { start: new Date(0), end: new Date(1000), periodSeconds: 1, resourceId: 'db-P', groupBy: 'db.wait_event' }, 1000);
    expect(out.values).toEqual([1]);
    expect(out.keys.map((k) => [k.dimensions['db.wait_event.name'], Math.round(k.total * 1000) / 1000])).toEqual([['CPU', 0.6], ['IO:DataFileRead', 0.3]]);
  });
});

