import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Endpoint } from '../../src/sim/data-plane.js';
import { clusterSpec, connect, eventually, instanceSpec, newPlane, queryOne, PASSWORD } from './local-plane-helpers.js';

describe('a local cluster with a writer and two readers', () => {
  const { plane, reporter } = newPlane();
  let endpoint: Endpoint;
  let readerEndpoint: Endpoint;

  beforeAll(async () => {
    ({ endpoint, readerEndpoint } = await plane.createCluster(clusterSpec('repl')));
    await plane.createInstance(instanceSpec('repl-1', 'repl', 'writer'));
    await Promise.all([
      plane.createInstance(instanceSpec('repl-2', 'repl', 'reader')),
      plane.createInstance(instanceSpec('repl-3', 'repl', 'reader')),
    ]);
  });
  afterAll(async () => {
    await plane.shutdown({ purge: true });
  });

  test('the cluster endpoint reaches the writer, which is not in recovery', async () => {
    const row = await queryOne<{ id: string; standby: boolean }>(
      plane, endpoint, 'SELECT aurora_db_instance_identifier() AS id, pg_is_in_recovery() AS standby');
    expect(row).toEqual({ id: 'repl-1', standby: false });
  });

  test('a row written on the writer appears on both readers', async () => {
    const marker = `m-${Date.now()}`;
    const w = await connect(plane, endpoint);
    try {
      await w.query('CREATE TABLE IF NOT EXISTS notes (body text)');
      await w.query('INSERT INTO notes VALUES ($1)', [marker]);
    } finally {
      await w.end();
    }
    for (const id of ['repl-2', 'repl-3']) {
      const ep = plane.instanceEndpoint(id);
      const row = await eventually(() =>
        queryOne<{ n: number; id: string; standby: boolean }>(plane, ep,
          'SELECT count(*)::int AS n, aurora_db_instance_identifier() AS id, pg_is_in_recovery() AS standby FROM notes WHERE body = $1',
          [marker]).then((r) => (r.n === 1 ? r : undefined)).catch(() => undefined));
      expect(row).toEqual({ n: 1, id, standby: true });
    }
  });

  test('a write on a reader fails with SQLSTATE 25006', async () => {
    const r = await connect(plane, plane.instanceEndpoint('repl-2'));
    try {
      await expect(r.query('CREATE TABLE nope (x int)')).rejects.toMatchObject({ code: '25006' });
    } finally {
      await r.end();
    }
  });

  test('the reader endpoint balances new connections across both readers', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      seen.push((await queryOne<{ id: string }>(plane, readerEndpoint, 'SELECT aurora_db_instance_identifier() AS id')).id);
    }
    expect(seen.filter((id) => id === 'repl-2')).toHaveLength(2);
    expect(seen.filter((id) => id === 'repl-3')).toHaveLength(2);
  });

  test('the cluster, reader and instance endpoints are distinct loopback hosts on the one cluster port', async () => {
    const instances = ['repl-1', 'repl-2', 'repl-3'].map((id) => plane.instanceEndpoint(id));
    const all = [endpoint, readerEndpoint, ...instances];
    for (const e of all) {
      expect(e.address).toMatch(/^127\.\d+\.\d+\.\d+$/);
      expect(e.port).toBe(endpoint.port);
    }
    expect(new Set(all.map((e) => e.address)).size).toBe(5);
  });

  test('TLS verified against the local CA works, and the server certificate names every endpoint address', async () => {
    const c = await connect(plane, endpoint);
    try {
      const { rows } = await c.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows[0]?.ssl).toBe(true);
    } finally {
      await c.end();
    }
    const cert = new X509Certificate(readFileSync(plane.serverCertFile!));
    const addresses = [endpoint, readerEndpoint, ...['repl-1', 'repl-2', 'repl-3'].map((id) => plane.instanceEndpoint(id))].map((e) => e.address);
    for (const a of ['127.0.0.1', ...addresses]) expect(cert.checkIP(a)).toBe(a);
    expect(cert.checkIP('127.0.0.1'.replace(/1$/, '2'))).toBeUndefined();
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.verify(new X509Certificate(plane.caPem).publicKey)).toBe(true);
  });

  test('a client that trusts another CA is refused during the TLS handshake', async () => {
    const foreign = new X509Certificate(readFileSync(plane.serverCertFile!)).toString();
    const c = new pg.Client({
      host: endpoint.address, port: endpoint.port, user: 'labadmin', password: PASSWORD, database: 'labdb',
      ssl: { ca: foreign }, connectionTimeoutMillis: 5000,
    });
    c.on('error', () => {});
    await expect(c.connect()).rejects.toThrow(/certificate|self.signed|issuer/i);
  });

  test('a wrong password is refused (scram)', async () => {
    await expect(connect(plane, endpoint, { password: 'wrong' })).rejects.toMatchObject({ code: '28P01' });
  });

  test('the master password can be changed, and the readers take it from the writer', async () => {
    await plane.setMasterPassword('repl', 'new-Secret-2');
    const row = await eventually(() =>
      connect(plane, plane.instanceEndpoint('repl-3'), { password: 'new-Secret-2' }).then(async (c) => {
        await c.end();
        return true;
      }).catch(() => false));
    expect(row).toBe(true);
    await plane.setMasterPassword('repl', PASSWORD);
  });

  test('the data plane reports what it does as events, never with the password', () => {
    expect(reporter.codes()).toContain('local.instance.created');
    expect(JSON.stringify(reporter.events)).not.toContain(PASSWORD);
  });
});
