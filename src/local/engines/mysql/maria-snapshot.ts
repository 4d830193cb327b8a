/**
 * Snapshots of a running MariaDB server, and what a cluster restored from one needs.
 *
 * A snapshot is mariadb-backup --backup (a consistent copy while the server keeps running; BACKUP STAGE
 * locks hold writes only for the last moment) followed by --prepare, which applies the copied redo log:
 * the result is an ordinary, cleanly stopped data dir that MariaServer.copyDataFrom takes as is.
 *
 * The backup runs as the OS user we run as, so that it logs in over the unix socket as the local plane's
 * superuser; when that is root, the copy is then handed to the server user, who prepares it.
 *
 * A restored cluster starts a fresh GTID history (resetAsNewPrimary): it is a new lineage, and its
 * replicas are cloned from it, not from the source cluster, so none of that history is needed.
 */
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { LocalTargetError } from '../../../errors.js';
import { ensureTraversableDir, runAs } from '../../core/os-user.js';
import { dropSecret } from './maria-repl-sql.js';
import type { MariaServer } from './maria-server.js';

/** What mariadb-backup writes beside the data; not part of a data dir. */
const BACKUP_FILES = ['xtrabackup_binlog_info', 'xtrabackup_checkpoints', 'xtrabackup_info', 'backup-my.cnf', 'xtrabackup_binlog_pos_innodb'];

/**
 * A consistent, prepared copy of running `server`'s data in `targetDataDir` (replaced), owned by the
 * server user. Returns the GTID position the copy is at ('' when nothing was ever binlogged).
 */
export async function backupTo(server: MariaServer, targetDataDir: string): Promise<{ gtid: string }> {
  const backup = server.binaries.backup;
  if (!backup) {
    throw new LocalTargetError('mariadb-backup is not installed: replicas and snapshots of MariaDB need it.', {
      code: 'LOCAL_MYSQL_MISSING',
      hint: 'Install it: `apt-get install mariadb-backup`.',
    });
  }
  ensureTraversableDir(dirname(targetDataDir));
  rmSync(targetDataDir, { recursive: true, force: true });
  await runAs(
    backup,
    ['--no-defaults', '--backup', `--target-dir=${targetDataDir}`, `--socket=${server.socketPath}`,
      `--user=${server.superuser}`, `--datadir=${server.dataDir}`, '--parallel=2'],
    { user: undefined, what: 'mariadb-backup --backup' },
  );
  if (server.user) {
    await runAs('chown', ['-R', `${server.user.uid}:${server.user.gid}`, targetDataDir], { user: undefined, what: 'chown of a backup' });
  }
  chmodSync(targetDataDir, 0o700);
  await runAs(backup, ['--no-defaults', '--prepare', `--target-dir=${targetDataDir}`, '--use-memory=32M'], {
    user: server.user,
    cwd: '/',
    what: 'mariadb-backup --prepare',
  });
  let gtid = '';
  try {
    // "mariadb-bin.000003\t1234\t0-1-57"
    gtid = readFileSync(join(targetDataDir, 'xtrabackup_binlog_info'), 'utf8').trim().split(/\s+/)[2] ?? '';
  } catch {
    // no binlog position recorded: nothing was binlogged
  }
  for (const f of BACKUP_FILES) rmSync(join(targetDataDir, f), { force: true });
  return { gtid };
}

/**
 * A server started on restored data becomes its cluster's writer: no replication configured, a fresh
 * GTID history (empty binlog, empty gtid_slave_pos), writable, and a new replication secret on demand.
 */
export async function resetAsNewPrimary(server: MariaServer): Promise<void> {
  await server.admin(async (c) => {
    await c.query('STOP SLAVE');
    await c.query('RESET SLAVE ALL');
    const [rows] = await c.query<RowDataPacket[]>('SELECT @@GLOBAL.gtid_binlog_pos AS bin, @@GLOBAL.gtid_slave_pos AS slave');
    // Restored data has no binlog, so this is mostly a no-op; RESET MASTER costs up to a second.
    if (rows[0]?.bin) await c.query('RESET MASTER');
    if (rows[0]?.slave) await c.query("SET GLOBAL gtid_slave_pos = ''");
    await c.query('SET GLOBAL read_only = 0');
  });
  server.replicaMark = false;
  dropSecret(server.dir);
}
