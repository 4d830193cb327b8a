/**
 * Performance Insights' MySQL source against a real MariaDB with performance_schema: statements show
 * up under their digests with the time they took, running ones are booked while they run, and the
 * local plane's admin user (root on the socket) and the sampler itself are not load.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlSocketConnector, mysqlStatementSource } from '../../../src/local/engines/mysql/pi-statements.js';
import { PiSampler } from '../../../src/local/pi/pi-sampler.js';
import { startTestMariadb, type TestMariadb } from '../../helpers/mariadb-fixture.js';

let db: TestMariadb;
let sampler: PiSampler;
let client: mysql.Connection;

/** Sampled ms per statement text (provisional keys resolved to the digest they turned out to have). */
function loadByText(): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of sampler.samples()) {
    for (const [key, ms] of s.load) {
      const text = sampler.statement(key)?.text ?? `(unnamed ${key})`;
      out.set(text, (out.get(text) ?? 0) + ms);
    }
  }
  return out;
}

const total = (match: RegExp) => [...loadByText()].filter(([t]) => match.test(t)).reduce((a, [, ms]) => a + ms, 0);

beforeAll(async () => {
  db = await startTestMariadb({ performanceSchema: true });
  client = await mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, ssl: { ca: db.ca } });
  await client.query('create table scanned (id int primary key auto_increment, v varchar(64))');
  await client.query("insert into scanned (v) select concat('row ', seq) from seq_1_to_200000");
  sampler = new PiSampler({
    instanceId: 'maria-pi',
    source: mysqlStatementSource({ connect: mysqlSocketConnector(() => db.socketPath, 'root'), excludeUser: 'root' }),
    intervalMs: 60_000, // the test reads by refresh(), at the moments it chooses
  });
  await sampler.refresh(); // the baseline
}, 120_000);

afterAll(async () => {
  await sampler?.stop();
  await client?.end().catch(() => undefined);
  await db?.stop();
});

describe('the MySQL statement source', () => {
  it('books select sleep(2) while it runs, then counts it once under its digest text', async () => {
    const running = client.query('select sleep(2)');
    await new Promise((r) => setTimeout(r, 800));
    await sampler.refresh();
    await new Promise((r) => setTimeout(r, 400));
    await sampler.refresh();
    const whileRunning = total(/sleep/i);
    console.log(`booked while running: ${Math.round(whileRunning)} ms`, [...loadByText().keys()]);
    expect(whileRunning).toBeGreaterThan(500);
    await running;
    // The server ends the statement's instrumentation (history row, digest) just after the client has
    // its result; on a busy machine a read can still see it running. Read until the digest has it.
    const digested = () => (loadByText().get('SELECT `sleep` (?)') ?? 0) > 1900;
    for (let i = 0; i < 50 && !digested(); i++) {
      await sampler.refresh();
      if (!digested()) await new Promise((r) => setTimeout(r, 100));
    }
    const byText = loadByText();
    console.log('after it ended', Object.fromEntries(byText));
    // Running time and the digest's counter growth are the same 2 s, counted once, under the digest.
    expect(byText.get('SELECT `sleep` (?)')).toBeGreaterThan(1900);
    expect(total(/sleep/i)).toBeLessThan(2600);
    const key = [...sampler.samples().at(-1)!.load.keys(), ...sampler.samples().flatMap((s) => [...s.load.keys()])]
      .find((k) => sampler.statement(k)?.text === 'SELECT `sleep` (?)')!;
    const st = sampler.statement(key)!;
    expect(st.queryId).toMatch(/^[0-9a-f]{32}$/);
    expect(st.dbName).toBe('lab');
    // The digest table has no user: the session that ran it (still connected) says who.
    expect(st.userName).toBe('lab');
  }, 60_000);

  it('counts a table scan under its digest with about the time the client waited for it', async () => {
    let waited = 0;
    for (let i = 0; i < 4; i++) {
      const began = performance.now();
      await client.query("select count(*) from scanned where v like '%9%9%'");
      waited += performance.now() - began;
      await sampler.refresh();
    }
    const scan = loadByText().get('SELECT COUNT ( * ) FROM `scanned` WHERE `v` LIKE ?') ?? 0;
    console.log(`table scan: sampled ${Math.round(scan)} ms, client waited ${Math.round(waited)} ms`);
    expect(scan).toBeGreaterThan(waited * 0.5);
    expect(scan).toBeLessThanOrEqual(waited + 5);
  }, 60_000);

  it('names the wait of a scan caught running: wait/io/table/sql/handler from events_waits_current', async () => {
    const scans = 12;
    const runningScans = (async () => {
      for (let i = 0; i < scans; i++) await client.query("select count(*) from scanned where v = 'no such row'");
    })();
    let reads = 0;
    let done = false;
    void runningScans.finally(() => (done = true));
    while (!done) {
      await sampler.refresh();
      reads++;
      await new Promise((r) => setTimeout(r, 15));
    }
    await runningScans;
    await sampler.refresh();
    const seen = new Map<string, number>();
    for (const s of sampler.samples()) {
      for (const [key, byWait] of s.waits ?? []) {
        if (!/scanned/.test(sampler.statement(key)?.text ?? '')) continue;
        for (const [w, n] of byWait) seen.set(w.split('\u0000')[1]!, (seen.get(w.split('\u0000')[1]!) ?? 0) + n);
      }
    }
    console.log(`${reads} reads during ${scans} scans saw the waits`, Object.fromEntries(seen));
    // A scan reads its rows through the storage engine's handler: that is the wait performance_schema reports.
    expect(seen.get('wait/io/table/sql/handler') ?? 0).toBeGreaterThan(0);
    expect([...seen.keys()].every((w) => w === 'CPU' || w.startsWith('wait/'))).toBe(true);
  }, 60_000);

  it('leaves out the admin user and the sampler itself', async () => {
    const admin = await mysql.createConnection({ socketPath: db.socketPath, user: 'root' });
    try {
      await admin.query('do sleep(0.5)');
      await admin.query('select count(*) from lab.scanned');
    } finally {
      await admin.end();
    }
    await sampler.refresh();
    await sampler.refresh();
    const texts = [...loadByText().keys()];
    console.log('sampled texts', texts);
    expect(texts.some((t) => /^DO\b/i.test(t))).toBe(false);
    expect(texts.some((t) => /performance_schema/i.test(t))).toBe(false);
    expect(texts.some((t) => /`lab` \. `scanned`/i.test(t))).toBe(false);
  }, 60_000);

  it('samples a read-only server, as an Aurora reader is', async () => {
    await client.end();
    await db.restart({ readOnly: true });
    client = await mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, ssl: { ca: db.ca } });
    const errors: unknown[] = [];
    const reader = new PiSampler({
      instanceId: 'maria-reader',
      source: mysqlStatementSource({ connect: mysqlSocketConnector(() => db.socketPath, 'root'), excludeUser: 'root' }),
      intervalMs: 60_000,
      onError: (err) => errors.push(err),
    });
    try {
      await reader.refresh();
      await client.query('select sleep(0.5), count(*) from scanned');
      // The server aggregates a statement into its digest as the statement ends, which can be just after
      // the client has its result: read again (a sampler would at its next interval) until it is there.
      const texts = () => reader.samples().flatMap((x) => [...x.load].map(([k, ms]) => [reader.statement(k)?.text, ms] as const));
      const slept = () => texts().find(([t]) => t === 'SELECT `sleep` (?) , COUNT ( * ) FROM `scanned`');
      for (let i = 0; i < 50 && !slept(); i++) {
        await reader.refresh();
        if (!slept()) await new Promise((r) => setTimeout(r, 100));
      }
      console.log('reader samples', texts(), errors.map(String));
      expect(errors).toEqual([]);
      expect(slept()?.[1]).toBeGreaterThan(450);
    } finally {
      await reader.stop();
    }
  }, 120_000);
});
