/**
 * The SQL that makes a MariaDB server a GTID replica of another, shared by the server (a freshly cloned
 * replica configures itself on its first start) and maria-replication.ts (follow, rejoin).
 *
 * Replicas connect over TCP as `aurora_lab_repl` (MariaDB has no replication over a unix socket). Its
 * password is random per replication lineage and kept in `replication.secret` in each instance's own
 * directory (ours, mode 0600, outside the data dir): the cluster's master user cannot read it. Replicas
 * inherit the account through the binlog, so after a failover the new writer already has it.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { LocalTargetError } from '../../../errors.js';
import { chownTo, type RunAsUser } from '../../core/os-user.js';
import { nativePasswordHash, quoteString, type SlaveStatus } from './maria-sql.js';

export const REPL_USER = 'aurora_lab_repl';
/** --log-bin's basename (MariaServer passes it). */
export const BINLOG_BASENAME = 'mariadb-bin';
export const PENDING_REPLICA_FILE = 'replica-pending.json';
const SECRET_FILE = 'replication.secret';

export interface ReplicaSource {
  host: string;
  port: number;
  /** The GTID position the data was copied at ('' for a template copy that replays the whole binlog). */
  gtid: string;
}

export function readSecret(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, SECRET_FILE), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The replica's instance dir gets the writer's replication secret. */
export function copySecret(fromDir: string, toDir: string): void {
  if (fromDir === toDir) return;
  if (existsSync(join(fromDir, SECRET_FILE))) copyFileSync(join(fromDir, SECRET_FILE), join(toDir, SECRET_FILE));
}

export function dropSecret(dir: string): void {
  rmSync(join(dir, SECRET_FILE), { force: true });
}

/**
 * The writer's secret, made now when it has none. Synchronous on purpose: two replicas cloned at once
 * both ask the writer for its account, and had each made a secret after an await, the file could end
 * up holding one replica's secret and the account the other's (every replica then refused with 1045).
 */
function writerSecret(dir: string): { secret: string; made: boolean } {
  const existing = readSecret(dir);
  if (existing) return { secret: existing, made: false };
  const secret = randomBytes(18).toString('base64url');
  writeFileSync(join(dir, SECRET_FILE), `${secret}\n`, { mode: 0o600 });
  return { secret, made: true };
}

/** On a writer: the replication account exists with the secret in `dir` (made now when there is none). */
export async function ensureReplicationUser(c: Connection, dir: string): Promise<void> {
  const { secret, made } = writerSecret(dir);
  const [rows] = await c.query<RowDataPacket[]>('SELECT 1 FROM mysql.user WHERE user = ? AND host = ?', [REPL_USER, '127.%']);
  if (!made && rows.length > 0) return;
  const account = `${quoteString(REPL_USER)}@'127.%'`;
  await c.query(`CREATE OR REPLACE USER ${account} IDENTIFIED BY PASSWORD '${nativePasswordHash(secret)}'`);
  await c.query(`GRANT REPLICATION SLAVE, SLAVE MONITOR ON *.* TO ${account}`);
}

export async function slaveStatus(c: Connection): Promise<SlaveStatus | undefined> {
  const [rows] = await c.query<RowDataPacket[]>('SHOW SLAVE STATUS');
  return rows[0] as SlaveStatus | undefined;
}

/**
 * CHANGE MASTER to `source` by GTID (slave_pos) and START SLAVE. The statement carries the secret, so a
 * failure is reported with MariaDB's message only, never with the statement (as mysql2's error has it).
 */
export async function changeMaster(c: Connection, dir: string, source: { host: string; port: number }): Promise<void> {
  const secret = readSecret(dir);
  if (!secret) {
    throw new LocalTargetError(`No replication secret in ${dir}.`, {
      code: 'LOCAL_MYSQL_REPLICATION',
      hint: 'Clone the replica from its writer again (the writer makes the secret).',
    });
  }
  await c.query('STOP SLAVE');
  try {
    await c.query(
      `CHANGE MASTER TO MASTER_HOST=${quoteString(source.host)}, MASTER_PORT=${Number(source.port)}, ` +
        `MASTER_USER=${quoteString(REPL_USER)}, MASTER_PASSWORD=${quoteString(secret)}, ` +
        'MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1',
    );
  } catch (err) {
    throw new LocalTargetError(`CHANGE MASTER failed: ${(err as Error).message}`, { code: 'LOCAL_MYSQL_REPLICATION' });
  }
  await c.query('START SLAVE');
}

/**
 * A cloned replica's first start (it ran with --skip-slave-start --read-only): replicate from the
 * copied position. Its own binlog already starts there (writePendingReplica left a binlog state file),
 * so that once promoted it can serve replicas positioned anywhere since the copy.
 */
export async function applyPendingReplica(c: Connection, dir: string): Promise<void> {
  const file = join(dir, PENDING_REPLICA_FILE);
  const source = JSON.parse(readFileSync(file, 'utf8')) as ReplicaSource;
  await c.query('SET GLOBAL gtid_slave_pos = ?', [source.gtid]);
  await changeMaster(c, dir, source);
  rmSync(file, { force: true });
}

/**
 * Before the clone's first start. mariadbd takes its GTID binlog state from `<log-bin>.state` when it
 * finds no binlog: far cheaper than RESET MASTER plus SET gtid_binlog_state after the start (which
 * waits ~1 s for InnoDB's once-a-second log flush at innodb_flush_log_at_trx_commit=2).
 */
export function writePendingReplica(dir: string, dataDir: string, user: RunAsUser | undefined, source: ReplicaSource): void {
  if (source.gtid) {
    const state = join(dataDir, `${BINLOG_BASENAME}.state`);
    writeFileSync(state, `${source.gtid}\n`, { mode: 0o660 });
    chownTo(state, user);
  }
  writeFileSync(join(dir, PENDING_REPLICA_FILE), JSON.stringify(source), { mode: 0o600 });
}
