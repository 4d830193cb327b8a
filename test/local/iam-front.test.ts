/**
 * The IAM front on a local cluster's endpoints, through the real pg driver and real
 * @aws-sdk/rds-signer tokens: who gets in, who is refused, and with which error.
 */
import { Signer } from '@aws-sdk/rds-signer';
import { connect as netConnect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_CREDENTIALS as LOCAL_CREDENTIALS } from '../helpers/test-credentials.js';
import type { LocalDataPlane } from '../../src/local/core/local-data-plane.js';
import type { MemoryReporter } from '../../src/events.js';
import type { Endpoint } from '../../src/sim/data-plane.js';
import { clusterSpec, connect, eventually, instanceSpec, newPlane, PASSWORD, queryOne } from './local-plane-helpers.js';

const REGION = 'us-east-1';
const IAM_USER = 'lab_iam';
let plane: LocalDataPlane;
let reporter: MemoryReporter;
let writer: Endpoint;
let reader: Endpoint;

function token(endpoint: Endpoint, opts: { user?: string; host?: string; port?: number; region?: string; credentials?: typeof LOCAL_CREDENTIALS } = {}): Promise<string> {
  return new Signer({
    hostname: opts.host ?? endpoint.address,
    port: opts.port ?? endpoint.port,
    username: opts.user ?? IAM_USER,
    region: opts.region ?? REGION,
    credentials: opts.credentials ?? LOCAL_CREDENTIALS,
  }).getAuthToken();
}

async function iamLogin(endpoint: Endpoint, password: string, options: { user?: string; tls?: boolean } = {}): Promise<pg.Client> {
  const client = new pg.Client({
    host: endpoint.address,
    port: endpoint.port,
    user: options.user ?? IAM_USER,
    password,
    database: 'labdb',
    ssl: options.tls === false ? false : { ca: plane.caPem },
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

async function refusal(p: Promise<pg.Client>): Promise<{ code?: string; message: string }> {
  try {
    const c = await p;
    await c.end();
  } catch (err) {
    return { code: (err as { code?: string }).code, message: (err as Error).message };
  }
  return { message: 'logged in' };
}

beforeAll(async () => {
  ({ plane, reporter } = newPlane());
  ({ endpoint: writer, readerEndpoint: reader } = await plane.createCluster(clusterSpec('iamc', { iamAuth: true })));
  await plane.createInstance(instanceSpec('iamc-0', 'iamc', 'writer', 0));
  await plane.createInstance(instanceSpec('iamc-1', 'iamc', 'reader', 1));
  const admin = await connect(plane, writer);
  try {
    await admin.query(`create user ${IAM_USER}`);
    await admin.query(`grant rds_iam to ${IAM_USER}`);
    await admin.query(`grant connect on database labdb to ${IAM_USER}`);
  } finally {
    await admin.end();
  }
});

afterAll(async () => {
  await plane?.shutdown({ purge: true });
});

function refusalsSince(n: number): { user: string; reason: string; endpoint: string }[] {
  return reporter.events.slice(n).filter((e) => e.code === 'local.iam.refused').map((e) => e.data as { user: string; reason: string; endpoint: string });
}

describe('an IAM-enabled cluster endpoint', () => {
  it('logs an rds_iam user in with a valid token, over TLS to the instance', async () => {
    for (const endpoint of [writer, reader]) {
      const c = await iamLogin(endpoint, await token(endpoint));
      try {
        const r = await c.query('select current_user as who, ssl from pg_stat_ssl where pid = pg_backend_pid()');
        expect(r.rows[0]).toEqual({ who: IAM_USER, ssl: true });
      } finally {
        await c.end();
      }
    }
  });

  it('logs a new rds_iam user in through the reader endpoint first (its password reaches the replica)', async () => {
    const admin = await connect(plane, writer);
    await admin.query('create user reader_first');
    await admin.query('grant rds_iam to reader_first');
    await admin.end();
    await eventually(async () => (await queryOne<{ n: number }>(plane, reader, "select count(*)::int as n from pg_roles where rolname = 'reader_first'")).n === 1);
    const c = await iamLogin(reader, await token(reader, { user: 'reader_first' }), { user: 'reader_first' });
    try {
      expect((await c.query('select current_user as who, pg_is_in_recovery() as ro')).rows[0]).toEqual({ who: 'reader_first', ro: true });
    } finally {
      await c.end();
    }
  });

  it('refuses expired, tampered, wrong-user and wrong-host tokens with 28P01, and logs why', async () => {
    const before = reporter.events.length;
    const old = async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() - 20 * 60_000);
      try {
        return await token(writer);
      } finally {
        vi.useRealTimers();
      }
    };
    const fresh = await token(writer);
    const attempts: [string, string][] = [
      ['expired', await old()],
      ['bad-signature', fresh.replace(/X-Amz-Signature=(.)/, (_m, c: string) => `X-Amz-Signature=${c === 'a' ? 'b' : 'a'}`)],
      ['wrong-user', await token(writer, { user: 'labadmin' })],
      // The reader endpoint's address on the same port: a token is for one endpoint only.
      ['wrong-host', await token(writer, { host: reader.address })],
      ['wrong-host', await token(writer, { port: writer.port + 1 })],
      ['wrong-host', await token(writer, { host: 'db.example.com' })],
      ['wrong-region', await token(writer, { region: 'eu-west-1' })],
      ['unknown-key', await token(writer, { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' } })],
    ];
    for (const [, t] of attempts) {
      const r = await refusal(iamLogin(writer, t));
      expect(r).toEqual({ code: '28P01', message: `password authentication failed for user "${IAM_USER}"` });
    }
    const logged = refusalsSince(before);
    expect(logged.map((e) => e.reason)).toEqual(attempts.map(([reason]) => reason));
    expect(logged.every((e) => e.user === IAM_USER && e.endpoint === 'iamc/cluster')).toBe(true);
    // A token is a password: none of them reaches an event.
    const text = JSON.stringify(reporter.events);
    for (const [, t] of attempts) expect(text).not.toContain(t.split('X-Amz-Signature=')[1]);
  });

  it('refuses an rds_iam user without TLS before asking for a password', async () => {
    const before = reporter.events.length;
    const r = await refusal(iamLogin(writer, await token(writer), { tls: false }));
    expect(r.code).toBe('28P01');
    expect(refusalsSince(before).map((e) => e.reason)).toEqual(['no-tls']);
  });

  it('passes other users through to their own password authentication', async () => {
    for (const endpoint of [writer, reader]) {
      const c = await connect(plane, endpoint);
      expect((await c.query('select current_user as who')).rows[0]).toEqual({ who: 'labadmin' });
      await c.end();
    }
    expect((await refusal(iamLogin(writer, 'wrong-password', { user: 'labadmin' }))).code).toBe('28P01');
    // SCRAM-SHA-256-PLUS binds to the server certificate: the front presents the instances' own.
    const bound = new pg.Client({ host: writer.address, port: writer.port, user: 'labadmin', password: PASSWORD, database: 'labdb', ssl: { ca: plane.caPem }, enableChannelBinding: true } as pg.ClientConfig);
    await bound.connect();
    expect((await bound.query('select ssl from pg_stat_ssl where pid = pg_backend_pid()')).rows[0]).toEqual({ ssl: true });
    await bound.end();
    const plain = new pg.Client({ host: writer.address, port: writer.port, user: 'labadmin', password: PASSWORD, database: 'labdb', ssl: false });
    await plain.connect();
    expect((await plain.query('select ssl from pg_stat_ssl where pid = pg_backend_pid()')).rows[0]).toEqual({ ssl: false });
    await plain.end();
  });

  it('does not let an rds_iam user log in on an instance port directly, with a token or without TLS', async () => {
    const direct = plane.instanceEndpoint('iamc-0');
    expect((await refusal(iamLogin(direct, await token(direct)))).code).toBe('28P01');
    expect((await refusal(iamLogin(direct, await token(writer)))).code).toBe('28P01');
    expect((await refusal(iamLogin(direct, '', { tls: false }))).code).toBe('28000');
  });

  it('passes a CancelRequest on to the instance that runs the session', async () => {
    const c = await iamLogin(writer, await token(writer));
    try {
      const running = c.query('select pg_sleep(30)').then(() => 'finished', (err: { code?: string }) => err.code);
      await new Promise((r) => setTimeout(r, 200));
      const keys = c as unknown as { processID: number; secretKey: number };
      const cancel = Buffer.alloc(16);
      cancel.writeInt32BE(16, 0);
      cancel.writeInt32BE(80877102, 4);
      cancel.writeInt32BE(keys.processID, 8);
      cancel.writeInt32BE(keys.secretKey, 12);
      const socket = netConnect({ host: writer.address, port: writer.port });
      socket.on('error', () => {});
      socket.end(cancel);
      expect(await running).toBe('57014');
    } finally {
      await c.end();
    }
  });

  it('drops IAM sessions on failover, and logs in again on the new writer', async () => {
    const c = await iamLogin(writer, await token(writer));
    const ended = new Promise((r) => c.once('end', r));
    await plane.failover('iamc', 'iamc-1');
    await ended;
    const again = await iamLogin(writer, await token(writer));
    try {
      expect((await again.query('select aurora_db_instance_identifier() as id, pg_is_in_recovery() as ro')).rows[0]).toEqual({ id: 'iamc-1', ro: false });
    } finally {
      await again.end();
    }
  });

  it('stops taking tokens when IAM authentication is turned off, and takes them again when on', async () => {
    await plane.configureCluster('iamc', { iamAuth: false, performanceInsights: false });
    const before = reporter.events.length;
    expect((await refusal(iamLogin(writer, await token(writer)))).code).toBe('28P01');
    expect(refusalsSince(before)).toEqual([]);
    const admin = await connect(plane, writer);
    await admin.end();
    await plane.configureCluster('iamc', { iamAuth: true, performanceInsights: false });
    const c = await iamLogin(writer, await token(writer));
    await c.end();
  });

  it('logs in with a token again and again (the times go to the test output)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const c = await iamLogin(writer, await token(writer));
      times.push(performance.now() - started);
      await c.end();
    }
    console.log(`token login ms: ${times.map((t) => t.toFixed(1)).join(', ')}`);
  });
});
