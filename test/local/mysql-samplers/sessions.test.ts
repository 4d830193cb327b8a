/**
 * Serverless v2 on MySQL against a real MariaDB: the session source counts client sessions from
 * PROCESSLIST (running a statement, over TCP), and the scaler over it scales on mariadbd's CPU and
 * pauses and resumes an InstanceServer once its TCP clients are gone.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceServer, StopMode } from '../../../src/local/engines/instance-server.js';
import { mysqlSocketConnector } from '../../../src/local/engines/mysql/pi-statements.js';
import { mysqlSessionSource } from '../../../src/local/engines/mysql/sessions.js';
import { ServerlessScaler } from '../../../src/local/serverless/serverless-scaler.js';
import { startTestMariadb, type TestMariadb } from '../../helpers/mariadb-fixture.js';

let db: TestMariadb;
const connectRoot = () => mysqlSocketConnector(() => db.socketPath, 'root');
const tcp = () => mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, ssl: { ca: db.ca } });

async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`still not ${what} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  db = await startTestMariadb();
}, 120_000);

afterAll(async () => {
  await db?.stop();
});

describe('the MySQL session source', () => {
  it('counts a TCP session, as active while it runs a statement, and not the socket or its own', async () => {
    const source = mysqlSessionSource(connectRoot());
    const client = await tcp();
    const admin = await mysql.createConnection({ socketPath: db.socketPath, user: 'root' });
    try {
      // A session just logged in can show as busy for a moment after its client is through: wait for idle.
      const before = await until('idle', async () => {
        const s = await source.sample();
        return s.active === 0 ? s : undefined;
      });
      expect(before).toEqual({ active: 0, tcp: 1, pids: [] });
      const busy = client.query('select sleep(1.5)');
      const adminBusy = admin.query('select sleep(1.5)');
      const during = await until('active', async () => {
        const s = await source.sample();
        return s.active === 2 ? s : undefined;
      });
      expect(during.tcp).toBe(1);
      await Promise.all([busy, adminBusy]);
      // The server marks a session idle just after its client has the result: on a busy machine the
      // first sample after can still see it running. Sample until it is idle, then it must be exactly this.
      const after = await until('idle again', async () => {
        const s = await source.sample();
        return s.active === 0 ? s : undefined;
      });
      expect(after).toEqual({ active: 0, tcp: 1, pids: [] });
      await client.end();
      await until('without TCP sessions', async () => (await source.sample()).tcp === 0);
    } finally {
      await client.end().catch(() => undefined);
      await admin.end().catch(() => undefined);
      await source.close();
    }
  }, 60_000);
});

describe('the Serverless v2 scaler on a MySQL server', () => {
  it('scales up on mariadbd CPU, pauses once the TCP client is gone and resumes for a connection', async () => {
    let running = true;
    const calls: string[] = [];
    const server: InstanceServer = {
      engine: 'mysql', instanceId: 'maria-sls', dir: '', dataDir: '', host: db.host, port: db.port, superuser: 'root',
      get pid() {
        return running ? db.pid() : undefined;
      },
      isRunning: () => running,
      // The fixture's server keeps running; what the scaler decides is what is under test here.
      start: async () => {
        calls.push('start');
        running = true;
      },
      stop: async (mode?: StopMode) => {
        calls.push(`stop ${mode}`);
        running = false;
      },
      setPassword: async () => undefined,
      logTail: () => [],
    };
    const scaler = new ServerlessScaler({
      server: () => server,
      sessions: () => mysqlSessionSource(connectRoot()),
      proxiedConnections: () => 0,
      hasStandbys: () => false,
      processesChanged: () => undefined,
    }, { timeScale: 0.01, sampleMs: 200 });
    const client = await tcp();
    try {
      await scaler.configure({ instanceId: 'maria-sls', clusterId: 'c', region: 'us-east-1', instanceClass: 'db.serverless' },
        { minCapacity: 0, maxCapacity: 8, secondsUntilAutoPause: 300 });
      expect(scaler.capacity('maria-sls')).toBe(0.5);
      const [[{ id }]] = (await client.query('select connection_id() as id')) as unknown as [[{ id: number }]];
      const burn = client.query("select benchmark(300000000, md5('aurora'))").catch(() => undefined);
      const peak = await until('scaled up', () => ((scaler.capacity('maria-sls') ?? 0) >= 1.5 ? scaler.capacity('maria-sls') : undefined));
      // One active session alone asks for 0.5 ACU: 1.5 or more means mariadbd's CPU counted.
      console.log(`capacity under a CPU-bound statement: ${peak} ACU`);
      const killer = await mysql.createConnection({ socketPath: db.socketPath, user: 'root' });
      await killer.query(`kill query ${Number(id)}`);
      await killer.end();
      await burn;
      // An idle TCP connection keeps it awake past the 3 s (300 s x 0.01) idle time.
      await new Promise((r) => setTimeout(r, 4000));
      expect(scaler.isPaused('maria-sls')).toBe(false);
      await client.end();
      await until('paused', () => scaler.isPaused('maria-sls'));
      expect(calls).toEqual(['stop fast']);
      expect(scaler.capacity('maria-sls')).toBe(0);
      await scaler.beforeConnect('maria-sls');
      expect(calls).toEqual(['stop fast', 'start']);
      expect(scaler.isPaused('maria-sls')).toBe(false);
    } finally {
      await client.end().catch(() => undefined);
      await scaler.close();
    }
  }, 90_000);
});
