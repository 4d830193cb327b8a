/**
 * rds_iam on every local primary (from the data template, from initdb, from a restored snapshot made
 * before the role existed), and the TcpProxy contract the IAM front relies on: a handler gets a
 * connection only after beforeConnect has let it through.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalDataPlane } from '../../src/local/core/local-data-plane.js';
import { TcpProxy, type ProxyTarget } from '../../src/local/endpoints/tcp-proxy.js';
import { clusterSpec, connect, instanceSpec, newPlane, queryOne, tempBaseDir, TLS_DIR } from './local-plane-helpers.js';
import { LocalDataPlane as Plane } from '../../src/local/core/local-data-plane.js';
import { randomBasePort } from '../../src/local/core/ports.js';

const planes: LocalDataPlane[] = [];
afterAll(async () => {
  for (const p of planes) await p.shutdown({ purge: true });
});

const IAM_ROLE_SQL = "select rolcanlogin as login from pg_roles where rolname = 'rds_iam'";

describe('rds_iam on local instances', () => {
  it('exists as a NOLOGIN role on a writer made from the template and on its reader', async () => {
    const { plane } = newPlane();
    planes.push(plane);
    const { readerEndpoint } = await plane.createCluster(clusterSpec('role-t'));
    await plane.createInstance(instanceSpec('role-t-0', 'role-t', 'writer', 0));
    await plane.createInstance(instanceSpec('role-t-1', 'role-t', 'reader', 1));
    expect(await queryOne(plane, plane.instanceEndpoint('role-t-0'), IAM_ROLE_SQL)).toEqual({ login: false });
    expect(await queryOne(plane, readerEndpoint, IAM_ROLE_SQL)).toEqual({ login: false });
  });

  it('exists on a writer made by initdb, where GRANT rds_iam works', async () => {
    const plane = new Plane({ baseDir: tempBaseDir(), basePort: randomBasePort(), templateDir: false, tlsDir: TLS_DIR });
    planes.push(plane);
    const { endpoint } = await plane.createCluster(clusterSpec('role-i'));
    await plane.createInstance(instanceSpec('role-i-0', 'role-i', 'writer', 0));
    const c = await connect(plane, endpoint);
    try {
      await c.query('create user u1');
      await c.query('grant rds_iam to u1');
    } finally {
      await c.end();
    }
  });

  it('comes back on a cluster restored from a snapshot taken without it', async () => {
    const { plane } = newPlane();
    planes.push(plane);
    const { endpoint } = await plane.createCluster(clusterSpec('role-s'));
    await plane.createInstance(instanceSpec('role-s-0', 'role-s', 'writer', 0));
    const c = await connect(plane, endpoint);
    await c.query('drop role rds_iam');
    await c.end();
    await plane.createSnapshot('cluster', 'role-s', 'role-snap');
    const restored = await plane.createCluster(clusterSpec('role-r', { fromSnapshot: { snapshotId: 'role-snap', kind: 'cluster' } }));
    await plane.createInstance(instanceSpec('role-r-0', 'role-r', 'writer', 0));
    expect(await queryOne(plane, restored.endpoint, IAM_ROLE_SQL)).toEqual({ login: false });
  });
});

describe('a TcpProxy handler', () => {
  it('gets a connection only after beforeConnect resolves', async () => {
    const proxy = new TcpProxy('gate-test');
    const { port } = await proxy.listen('127.0.0.1', 0);
    proxy.setTargets([{ id: 'x', host: '127.0.0.1', port: 1 }]);
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    proxy.beforeConnect = () => gate;
    const handled: ProxyTarget[] = [];
    proxy.handler = (client: Socket, target) => {
      handled.push(target);
      client.end('ok');
    };
    const socket = netConnect({ host: '127.0.0.1', port });
    const reply = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('close', () => resolve(text));
    });
    await new Promise((r) => socket.once('connect', r));
    await new Promise((r) => setTimeout(r, 100));
    expect(handled).toEqual([]);
    open();
    expect(await reply).toBe('ok');
    expect(handled).toEqual([{ id: 'x', host: '127.0.0.1', port: 1 }]);
    await proxy.close();
  });
});
