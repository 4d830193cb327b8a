import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { LocalDataPlane } from '../../src/local/core/local-data-plane.js';
import { isPortFree, randomBasePort } from '../../src/local/core/ports.js';
import { isAlive, readRegistry } from '../../src/local/core/process-registry.js';
import { clusterSpec, connect, eventually, instanceSpec, newPlane, PASSWORD, queryOne, TEMPLATE_DIR, TLS_DIR } from './local-plane-helpers.js';

/** Pids of processes whose command line mentions `dir` (postgres servers and their children). */
function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

const standalone = (instanceId: string) => ({
  ...instanceSpec(instanceId, '', 'writer'),
  clusterId: undefined,
  engine: 'postgres',
  masterUsername: 'solo',
  masterPassword: PASSWORD,
  databaseName: 'labdb',
});

describe('the life of a local data plane', () => {
  test('shutdown leaves no postgres process, no listening port and, with purge, no files', async () => {
    const { plane, baseDir } = newPlane();
    try {
      const { endpoint, readerEndpoint } = await plane.createCluster(clusterSpec('life'));
      await plane.createInstance(instanceSpec('life-1', 'life', 'writer'));
      await plane.createInstance(instanceSpec('life-2', 'life', 'reader'));
      const solo = await plane.createInstance(standalone('solo-1'));
      const bound = [endpoint, readerEndpoint, solo.endpoint, plane.instanceEndpoint('life-1'), plane.instanceEndpoint('life-2')];
      const pids = Object.values(plane.serverPids()) as number[];
      expect(pids).toHaveLength(3);
      expect(processesUnder(baseDir).length).toBeGreaterThanOrEqual(3);
      for (const e of bound) expect(await isPortFree(e.port, e.address)).toBe(false);

      await plane.shutdown({ purge: true });
      for (const pid of pids) expect(isAlive(pid)).toBe(false);
      expect(processesUnder(baseDir)).toEqual([]);
      for (const e of bound) expect(await isPortFree(e.port, e.address)).toBe(true);
      expect(existsSync(baseDir)).toBe(false);
    } finally {
      await plane.shutdown({ purge: true });
    }
  });

  test('a standalone instance is a single read-write server with its own master user', async () => {
    const { plane } = newPlane();
    try {
      const { endpoint } = await plane.createInstance(standalone('solo-2'));
      const c = await connect(plane, endpoint, { user: 'solo' });
      try {
        const { rows } = await c.query('SELECT current_user AS u, pg_is_in_recovery() AS standby, aurora_db_instance_identifier() AS id');
        expect(rows[0]).toEqual({ u: 'solo', standby: false, id: 'solo-2' });
      } finally {
        await c.end();
      }
    } finally {
      await plane.shutdown({ purge: true });
    }
  });

  test('without the template, a writer is made by initdb with the master user and its password', async () => {
    const { plane, baseDir } = newPlane();
    const noTemplate = new LocalDataPlane({ baseDir, basePort: randomBasePort(), templateDir: false, tlsDir: TLS_DIR });
    try {
      const { endpoint } = await noTemplate.createInstance(standalone('solo-3'));
      const c = await connect(noTemplate, endpoint, { user: 'solo' });
      try {
        const { rows } = await c.query('SELECT rolsuper AS s FROM pg_roles WHERE oid = 10');
        expect(rows[0]).toEqual({ s: true });
        expect((await c.query('SELECT current_user AS u')).rows[0]).toEqual({ u: 'solo' });
      } finally {
        await c.end();
      }
      expect(existsSync(join(baseDir, 'template'))).toBe(false);
      expect(readdirSync(join(baseDir, 'instances', 'solo-3')).filter((f) => f.startsWith('.pwfile'))).toEqual([]);
    } finally {
      await noTemplate.shutdown({ purge: true });
      await plane.shutdown({ purge: true });
    }
  });

  test('a rebooted reader comes back as a replicating standby, and no file holds the master password', async () => {
    const { plane, baseDir } = newPlane();
    try {
      const { endpoint } = await plane.createCluster(clusterSpec('boot'));
      await plane.createInstance(instanceSpec('boot-1', 'boot', 'writer'));
      await plane.createInstance(instanceSpec('boot-2', 'boot', 'reader'));
      const pidBefore = plane.serverPids()['boot-2'];
      await plane.rebootInstance('boot-2');
      expect(plane.serverPids()['boot-2']).not.toBe(pidBefore);
      const w = await connect(plane, endpoint);
      await w.query("CREATE TABLE after_reboot AS SELECT 'x' AS v");
      await w.end();
      const n = await eventually(() =>
        queryOne<{ n: number }>(plane, plane.instanceEndpoint('boot-2'), 'SELECT count(*)::int AS n FROM after_reboot')
          .then((r) => r.n).catch(() => 0));
      expect(n).toBe(1);
      // grep exits 1 when nothing matches; logs, configs, recovery settings and data are all searched.
      const grep = () => execFileSync('grep', ['-rlaF', PASSWORD, baseDir], { encoding: 'utf8' });
      expect(grep).toThrow(expect.objectContaining({ status: 1 }));
    } finally {
      await plane.shutdown({ purge: true });
    }
  });

  test('servers left by a run that was killed are stopped when the next run starts', async () => {
    const first = newPlane();
    const baseDir = first.baseDir;
    const second = new LocalDataPlane({ baseDir, basePort: randomBasePort(), templateDir: TEMPLATE_DIR, tlsDir: TLS_DIR });
    try {
      await first.plane.createCluster(clusterSpec('crash'));
      await first.plane.createInstance(instanceSpec('crash-1', 'crash', 'writer'));
      await first.plane.createInstance(instanceSpec('crash-2', 'crash', 'reader'));
      const pids = Object.values(first.plane.serverPids()) as number[];
      expect(pids.every(isAlive)).toBe(true);
      // The run's owner dies without stopping anything: its record names a process that is gone.
      const dead = spawn('true');
      await new Promise((r) => dead.once('exit', r));
      const reg = readRegistry(baseDir)!;
      expect(reg.servers.map((s) => s.pid).sort()).toEqual([...pids].sort());
      writeFileSync(join(baseDir, 'processes.json'), JSON.stringify({ ...reg, ownerPid: dead.pid }));

      await second.start();
      for (const pid of pids) expect(isAlive(pid)).toBe(false);
      expect(processesUnder(join(baseDir, 'instances'))).toEqual([]);
      // The same names are usable again.
      await second.createCluster(clusterSpec('crash'));
      const { endpoint } = await second.createInstance(instanceSpec('crash-1', 'crash', 'writer'));
      expect((await queryOne<{ id: string }>(second, endpoint, 'SELECT aurora_db_instance_identifier() AS id')).id).toBe('crash-1');
    } finally {
      await first.plane.shutdown();
      await second.shutdown({ purge: true });
    }
  });

  test('a base dir whose owning run is still alive is refused, not taken over', async () => {
    const { plane, baseDir } = newPlane();
    const owner = spawn('sleep', ['30']);
    try {
      writeFileSync(join(baseDir, 'processes.json'), JSON.stringify({ version: 1, ownerPid: owner.pid, servers: [], proxies: [] }));
      await expect(plane.start()).rejects.toMatchObject({ code: 'LOCAL_BUSY' });
    } finally {
      owner.kill();
      await plane.shutdown({ purge: true });
    }
  });

  test('an engine the local target cannot run is refused with a local-target error that names the ones it can', async () => {
    const { plane } = newPlane();
    try {
      await expect(plane.createCluster(clusterSpec('sq', { engine: 'sqlserver-ee' }))).rejects.toMatchObject({
        code: 'LOCAL_ENGINE',
        hint: expect.stringMatching(/aurora-postgresql.*aurora-mysql/),
      });
    } finally {
      await plane.shutdown({ purge: true });
    }
  });
});
