import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { MemoryReporter } from '../../src/events.js';
import { AddressPool, canBind, chooseAddressMode } from '../../src/local/endpoints/endpoint-addresses.js';
import { EndpointAllocator } from '../../src/local/endpoints/endpoint-allocator.js';
import { isPortFree, PortAllocator, randomBasePort } from '../../src/local/core/ports.js';
import { TcpProxy } from '../../src/local/endpoints/tcp-proxy.js';
import { clusterSpec, instanceSpec, newPlane, queryOne } from './local-plane-helpers.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function hold(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ host, port, exclusive: true }, () => resolve(srv));
  });
}

function proxies(): [TcpProxy, TcpProxy] {
  const pair: [TcpProxy, TcpProxy] = [new TcpProxy('t/cluster'), new TcpProxy('t/reader')];
  cleanup.push(() => Promise.all(pair.map((p) => p.close())).then(() => undefined));
  return pair;
}

describe('the local endpoint addresses', () => {
  test('a bind to a non-local address fails with EADDRNOTAVAIL, which is how a system without loopback aliases is told apart', async () => {
    expect(await canBind('127.0.0.2')).toBe(true);
    // TEST-NET-1 is never a local address: the bind is refused with the same error macOS gives for 127.0.0.2.
    expect(await canBind('192.0.2.1')).toBe(false);
  });

  test('a data plane keeps its block across restarts of the same base directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alab-block-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const first = await chooseAddressMode(dir);
    expect(first).toMatchObject({ kind: 'block', prefix: expect.stringMatching(/^127\.\d+\.\d+$/) });
    expect(first.kind === 'block' && first.prefix.startsWith('127.0.')).toBe(false);
    expect(await chooseAddressMode(dir)).toEqual(first);
    expect(readFileSync(join(dir, 'address-block'), 'utf8').trim()).toBe(first.kind === 'block' ? first.prefix : '');
  });

  test('in single-address mode every endpoint is 127.0.0.1, the reader endpoint on a port of its own', async () => {
    const alloc = new EndpointAllocator(new AddressPool({ kind: 'single' }), new PortAllocator(randomBasePort()), new MemoryReporter());
    const [w, r] = proxies();
    const { endpoint, readerEndpoint } = await alloc.openCluster('t', w, r, randomBasePort() + 50);
    expect(endpoint.address).toBe('127.0.0.1');
    expect(readerEndpoint.address).toBe('127.0.0.1');
    expect(readerEndpoint.port).not.toBe(endpoint.port);
    const inst = await alloc.instance(endpoint.port, 5432);
    expect(inst).toMatchObject({ address: '127.0.0.1', ownPort: true });
    expect([endpoint.port, readerEndpoint.port]).not.toContain(inst.port);
  });

  test('a port held on an address is skipped: the cluster keeps its port on the next free addresses', async () => {
    const prefix = `127.${100 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 256)}`;
    const port = randomBasePort() + 77;
    const taken = await hold(`${prefix}.1`, port);
    cleanup.push(() => new Promise<void>((r) => taken.close(() => r())));
    const alloc = new EndpointAllocator(new AddressPool({ kind: 'block', prefix }), new PortAllocator(randomBasePort()), new MemoryReporter());
    const [w, r] = proxies();
    const { endpoint, readerEndpoint, moved } = await alloc.openCluster('t', w, r, port);
    expect(moved).toBeUndefined();
    expect([endpoint, readerEndpoint]).toEqual([{ address: `${prefix}.2`, port }, { address: `${prefix}.3`, port }]);
  });
});

describe('a cluster whose port is taken on every address of the block', () => {
  test('moves to another port, says so, and its instances follow it there', async () => {
    const { plane, reporter } = newPlane();
    cleanup.push(() => plane.shutdown({ purge: true }));
    await plane.start();
    const prefix = plane.addressBlock!.replace(/\.0\/24$/, '');
    const wanted = randomBasePort() + 91;
    const held: Server[] = [];
    cleanup.push(() => Promise.all(held.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined));
    for (let last = 1; last <= 254; last++) held.push(await hold(`${prefix}.${last}`, wanted));

    const { endpoint, readerEndpoint } = await plane.createCluster(clusterSpec('moved', { port: wanted }));
    expect(endpoint.port).not.toBe(wanted);
    expect(readerEndpoint.port).toBe(endpoint.port);
    expect(await isPortFree(wanted, endpoint.address)).toBe(false);
    expect(plane.movedPorts.get('moved')).toMatchObject({ wanted, port: endpoint.port });
    expect(reporter.events.find((e) => e.code === 'local.port.moved')?.message).toContain(`port ${endpoint.port}`);

    await plane.createInstance(instanceSpec('moved-1', 'moved', 'writer'));
    expect(plane.instanceEndpoint('moved-1').port).toBe(endpoint.port);
    expect((await queryOne<{ id: string }>(plane, endpoint, 'SELECT aurora_db_instance_identifier() AS id')).id).toBe('moved-1');
  });
});
