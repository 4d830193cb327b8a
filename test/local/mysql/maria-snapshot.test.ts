import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cloneReplica, waitReplicating } from '../../../src/local/engines/mysql/maria-replication.js';
import { backupTo, resetAsNewPrimary } from '../../../src/local/engines/mysql/maria-snapshot.js';
import { ensureDatabase, ensureMasterUser, MASTER_USER_PRIVILEGES } from '../../../src/local/engines/mysql/maria-setup.js';
import { MariaBench, count, eventually, login } from './maria-helpers.js';

const bench = new MariaBench();
afterAll(() => bench.close());

describe('MariaDB snapshots and the master user', () => {
  it('gives the master user Aurora master privileges but no SUPER or READ_ONLY ADMIN', async () => {
    const w = await bench.writer('grants');
    await ensureMasterUser(w, 'admin', 'Grant-Test-Pw-1');
    const c = await login(w, 'admin', 'Grant-Test-Pw-1');
    try {
      const [rows] = await c.query('SHOW GRANTS');
      const grants = (rows as Array<Record<string, string>>).map((r) => Object.values(r)[0]).join('\n');
      expect(grants).toMatch(/CREATE USER/);
      expect(grants).toMatch(/WITH GRANT OPTION/);
      expect(grants).not.toMatch(/SUPER|READ_ONLY ADMIN|ALL PRIVILEGES/);
      // It can make users and grant them what it has.
      await c.query("CREATE USER 'app'@'%' IDENTIFIED BY 'App-Pw-1'");
      await c.query("GRANT SELECT ON *.* TO 'app'@'%'");
      await expect(c.query('SET GLOBAL read_only = 1')).rejects.toMatchObject({ errno: 1227 });
    } finally {
      c.destroy();
    }
    expect(MASTER_USER_PRIVILEGES).toContain('REPLICATION SLAVE');
    await w.stop('fast');
  });

  it('restores a snapshot of a running writer as a new cluster writer with equal rows and its own master password', async () => {
    const w = await bench.writer('source');
    await ensureMasterUser(w, 'admin', 'Old-Pw-1');
    await ensureDatabase(w, 'lab');
    await w.admin((c) => c.query('CREATE TABLE lab.t (id INT PRIMARY KEY, v TEXT)'));
    await w.admin((c) => c.query("INSERT INTO lab.t SELECT seq, CONCAT('row ', seq) FROM lab.seq_1_to_5000"));
    // A replica of the source: its replication must not come along into the restored cluster.
    const r = await bench.server('source-reader');
    await cloneReplica(r, w);
    await r.start();
    expect(await waitReplicating(r)).toBe(true);
    expect(await eventually(async () => (await count(r, 'lab.t').catch(() => 0)) === 5000)).toBe(true);

    const snapshotDir = join(bench.root, 'snapshots', 'snap1');
    const t0 = Date.now();
    const { gtid } = await backupTo(r, snapshotDir); // from a replica, as the driver may
    const backupMs = Date.now() - t0;
    expect(gtid).toMatch(/^0-\d+-\d+$/);
    // The replica's replication settings (with the replication password) stay out of the snapshot.
    expect(existsSync(join(snapshotDir, 'master.info'))).toBe(false);
    expect(existsSync(join(snapshotDir, 'relay-log.info'))).toBe(false);
    await w.admin((c) => c.query('INSERT INTO lab.t VALUES (5001, "after the snapshot")'));

    const restored = await bench.server('restored');
    let t = Date.now();
    await restored.copyDataFrom(snapshotDir);
    const copyMs = Date.now() - t;
    t = Date.now();
    await restored.start();
    const startMs = Date.now() - t;
    t = Date.now();
    await resetAsNewPrimary(restored);
    console.log(`snapshot: mariadb-backup of a replica ${backupMs} ms; restore copy ${copyMs} ms; start ${startMs} ms; reset ${Date.now() - t} ms`);
    const state = await restored.admin(async (c) => {
      const [rows] = await c.query('SELECT @@read_only AS ro, @@gtid_binlog_pos AS bin, @@gtid_slave_pos AS slave');
      const [slave] = await c.query('SHOW SLAVE STATUS');
      return { vars: (rows as unknown[])[0], slave };
    });
    expect(state).toEqual({ vars: { ro: 0, bin: '', slave: '' }, slave: [] });
    await ensureMasterUser(restored, 'admin', 'New-Pw-2');
    const sum = (s: typeof w) => s.admin(async (c) => (await c.query('SELECT COUNT(*) AS n, SUM(id) AS s, MD5(GROUP_CONCAT(v ORDER BY id)) AS h FROM lab.t WHERE id <= 5000'))[0]);
    expect(await sum(restored)).toEqual(await sum(w));
    expect(await count(restored, 'lab.t')).toBe(5000);
    await expect(login(restored, 'admin', 'Old-Pw-1')).rejects.toThrow(/Access denied/);
    const c = await login(restored, 'admin', 'New-Pw-2', 'lab');
    try {
      await c.query("INSERT INTO t VALUES (6000, 'written on the restored cluster')");
    } finally {
      c.destroy();
    }
    // The restored cluster gets replicas of its own.
    const rr = await bench.server('restored-reader');
    expect(await cloneReplica(rr, restored)).toBe('backup');
    await rr.start();
    expect(await waitReplicating(rr)).toBe(true);
    expect(await eventually(async () => (await count(rr, 'lab.t')) === 5001)).toBe(true);
  });
});
