import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalTargetError } from '../../../src/errors.js';
import { findMariaBinaries } from '../../../src/local/engines/mysql/maria-binaries.js';
import { localSuperuser } from '../../../src/local/engines/mysql/maria-server.js';
import { ensureMasterUser, ensureDatabase } from '../../../src/local/engines/mysql/maria-setup.js';
import { mysqlEngineVersions } from '../../../src/local/engines/mysql/engine-versions.js';
import { AWS_VERSIONS } from '../../../src/sim/model/catalog/versions.js';
import { MariaBench, login } from './maria-helpers.js';

const bench = new MariaBench();
afterAll(() => bench.close());

describe('MariaDB binaries', () => {
  it('are found with the version mariadbd reports', () => {
    const b = findMariaBinaries();
    expect(b.mariadbd).toMatch(/mariadbd$/);
    expect(b.installDb).toMatch(/install-db$|install_db$/);
    expect(b.backup).toMatch(/backup$/);
    expect(b.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('are missing with LOCAL_MYSQL_MISSING and an install hint when the bin dir has none', () => {
    const err = (() => {
      try {
        findMariaBinaries({ binDir: '/nonexistent' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(LocalTargetError);
    expect((err as LocalTargetError).code).toBe('LOCAL_MYSQL_MISSING');
    expect((err as LocalTargetError).hint).toMatch(/apt-get install mariadb-server mariadb-backup/);
  });

  it('offer aurora-mysql and mysql at versions the catalogue has', () => {
    const offers = mysqlEngineVersions(findMariaBinaries());
    for (const o of offers) {
      expect(AWS_VERSIONS.some((v) => v.engine === o.engine && v.version === o.version)).toBe(true);
    }
    expect(offers.find((o) => o.engine === 'aurora-mysql')).toMatchObject({ version: '8.0.mysql_aurora.3.08.2', isDefault: true, minCapacityZero: true, supportsGlobalDatabases: true });
    expect(offers.find((o) => o.engine === 'mysql')).toMatchObject({ version: '8.4.7' });
  });
});

describe('MariaServer', () => {
  it('installs a fresh data dir the local superuser reaches over the socket without a password', async () => {
    const s = await bench.server('fresh');
    let t = Date.now();
    await s.initialize();
    const installMs = Date.now() - t;
    t = Date.now();
    await s.start();
    const startMs = Date.now() - t;
    console.log(`mariadb-install-db: ${installMs} ms; start of a fresh data dir: ${startMs} ms`);
    expect(s.superuser).toBe(localSuperuser());
    expect(s.socketPath.length).toBeLessThanOrEqual(100);
    const who = await s.admin(async (c) => {
      const [rows] = await c.query('SELECT CURRENT_USER() AS u, @@server_id AS id, @@log_bin AS bin, @@gtid_strict_mode AS strict, @@read_only AS ro');
      return (rows as Array<Record<string, unknown>>)[0];
    });
    expect(who).toMatchObject({ u: `${localSuperuser()}@localhost`, id: s.serverId, bin: 1, strict: 1, ro: 0 });
    expect(s.pid).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) await s.admin((c) => c.query('SELECT 1'));
    // Our admin connections close politely: the log stays free of noise for error details.
    expect(s.logTail(200).join('\n')).not.toMatch(/Aborted connection/);
    await s.stop('fast');
    expect(s.isRunning()).toBe(false);
    expect(existsSync(s.socketPath)).toBe(false); // a clean shutdown removes it
  });

  it('starts from a template copy with TLS, performance_schema digests on, and a master user over TCP', async () => {
    const template = await bench.template();
    const s = await bench.server('tls', { tls: true });
    let t = Date.now();
    await s.copyDataFrom(template);
    const copyMs = Date.now() - t;
    t = Date.now();
    await s.start();
    console.log(`template copy: ${copyMs} ms; start from the copy: ${Date.now() - t} ms`);
    const secret = 'pw-Secret-Value-123';
    await ensureMasterUser(s, 'admin', secret);
    await ensureDatabase(s, 'labdb');
    const c = await (await import('mysql2/promise')).createConnection({
      host: s.host, port: s.port, user: 'admin', password: secret, database: 'labdb', ssl: { ca: bench.tls!.caPem },
    });
    try {
      const [rows] = await c.query("SHOW SESSION STATUS LIKE 'Ssl_version'");
      expect((rows as Array<{ Value: string }>)[0]!.Value).toMatch(/TLS/);
      const [ps] = await c.query(
        "SELECT NAME, ENABLED FROM performance_schema.setup_consumers WHERE NAME IN ('events_statements_current', 'statements_digest') ORDER BY NAME",
      );
      expect(ps).toEqual([{ NAME: 'events_statements_current', ENABLED: 'YES' }, { NAME: 'statements_digest', ENABLED: 'YES' }]);
      await c.query('SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?', ['labdb']);
      const [digests] = await c.query("SELECT COUNT(*) AS n FROM performance_schema.events_statements_summary_by_digest WHERE DIGEST_TEXT LIKE '%information_schema%tables%'");
      expect((digests as Array<{ n: number }>)[0]!.n).toBeGreaterThan(0);
    } finally {
      await c.end();
    }
    await s.setPassword('admin', 'another-Pw-456');
    await expect(login(s, 'admin', secret)).rejects.toThrow(/Access denied/);
    const again = await login(s, 'admin', 'another-Pw-456');
    await again.end();
  });

  it('never shows a password in the error of a failed setPassword', async () => {
    const s = bench.servers.find((x) => x.instanceId === 'tls')!;
    const err = await s.setPassword('nobody_here', 'Leaky-Password-789').then(() => undefined, (e: unknown) => e);
    expect(err).toBeDefined();
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err)) + String(err)).not.toContain('Leaky-Password-789');
  });

  it('stops immediately with SIGKILL and starts again on the same data', async () => {
    const s = bench.servers.find((x) => x.instanceId === 'tls')!;
    await s.admin((c) => c.query('CREATE TABLE labdb.t (id INT PRIMARY KEY)'));
    await s.admin((c) => c.query('INSERT INTO labdb.t VALUES (1), (2)'));
    await s.stop('immediate');
    expect(s.isRunning()).toBe(false);
    await s.start();
    const n = await s.admin(async (c) => (await c.query('SELECT COUNT(*) AS n FROM labdb.t'))[0]);
    expect(n).toEqual([{ n: 2 }]);
  });

  it('puts its socket in a short directory under /tmp when the instance dir is deep', async () => {
    const { MariaServer } = await import('../../../src/local/engines/mysql/maria-server.js');
    const deep = new MariaServer({ instanceId: 'deep', dir: `/var/tmp/${'d'.repeat(90)}/deep`, host: '127.0.0.3', port: 3306, serverId: 9, binaries: bench.binaries, user: bench.user });
    expect(deep.socketPath).toBe('/tmp/aurora-lab-mysock-127.0.0.3-3306/mysqld.sock');
    const near = new MariaServer({ instanceId: 'near', dir: '/var/tmp/x/near', port: 3306, serverId: 10, binaries: bench.binaries, user: bench.user });
    expect(near.socketPath).toBe('/var/tmp/x/near/run/mysqld.sock');
  });

  it('fails to start with LOCAL_MYSQL_START and the log tail when its port is taken', async () => {
    const s = await bench.server('clash');
    await s.copyDataFrom(await bench.template());
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(s.port, s.host, () => r()));
    try {
      const err = await s.start(20_000).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(LocalTargetError);
      expect((err as LocalTargetError).code).toBe('LOCAL_MYSQL_START');
      expect(((err as LocalTargetError).details ?? []).join('\n')).toMatch(/Address already in use|Can't start server/);
      expect(s.isRunning()).toBe(false);
    } finally {
      blocker.close();
    }
  });
});
