/**
 * The table behind Aurora MySQL's information_schema.replica_host_status, which cluster-aware clients
 * (the AWS Advanced JDBC and Python wrappers, MaxScale's Aurora monitor) read on every instance to find
 * the writer and the readers. MariaDB has no such table: the data plane writes one per cluster into
 * the schema aurora_lab_topology on the writer (replication takes it to the readers), and the front
 * (aurora-emulation.ts) points the client's queries at it.
 *
 * AWS's columns and types; the writer's SESSION_ID is 'MASTER_SESSION_ID', each reader's an id of
 * its own. LAST_UPDATE_TIMESTAMP is the writer's clock at each write, so the clients' staleness filter
 * (older than 300 s is dropped) holds while the data plane refreshes it. Columns the local target has
 * nothing to measure for (Aurora storage internals, CPU) are NULL.
 */
import type { Connection } from 'mysql2/promise';
import { sqlIdent, sqlString } from './mysql-lexer.js';
import { ensureIamView } from './mysql-iam.js';

export const TOPOLOGY_SCHEMA = 'aurora_lab_topology';
export const MASTER_SESSION_ID = 'MASTER_SESSION_ID';

/** A session on an instance as its superuser; the data plane's way in (over its unix socket). */
export type MysqlAdmin = <T>(fn: (c: Connection) => Promise<T>) => Promise<T>;

export interface MysqlClusterTopology {
  clusterId: string;
  /** Absent for a global secondary: every member is then a reader. */
  writerId?: string;
  members: { id: string; session: string; lagMs?: number }[];
}

/** The table a cluster's replica_host_status is read from, as SQL. */
export function topologyTable(clusterId: string): string {
  return `${sqlIdent(TOPOLOGY_SCHEMA)}.${sqlIdent(clusterId)}`;
}

const COLUMNS = `(
  SERVER_ID varchar(100) NOT NULL PRIMARY KEY,
  SESSION_ID varchar(100) NOT NULL,
  IOPS double NULL,
  READ_IOS bigint unsigned NULL,
  PENDING_READ_IOS bigint unsigned NULL,
  CPU double NULL,
  DURABLE_LSN bigint unsigned NULL,
  ACTIVE_LSN bigint unsigned NULL,
  LAST_TRANSPORT_ERROR int NULL,
  LAST_ERROR_TIMESTAMP datetime(6) NULL,
  LAST_UPDATE_TIMESTAMP datetime(6) NULL,
  MASTER_SLAVE_LATENCY_IN_MICROSECONDS bigint NULL,
  REPLICA_LAG_IN_MILLISECONDS double NULL,
  LOG_STREAM_SPEED_IN_KiB_PER_SECOND double NULL,
  LOG_BUFFER_SEQUENCE_NUMBER bigint unsigned NULL,
  IS_CURRENT tinyint NULL,
  OLDEST_READ_VIEW_TRX_ID bigint unsigned NULL,
  OLDEST_READ_VIEW_LSN bigint unsigned NULL,
  HIGHEST_LSN_READ bigint unsigned NULL,
  CURRENT_READ_POINT bigint unsigned NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

/**
 * The schemas the emulation reads (topology tables, the IAM view of mysql.user); idempotent, run on
 * the writer (replication creates them on the readers). writeTopology runs it too.
 */
export async function installAuroraSchema(admin: MysqlAdmin): Promise<void> {
  await admin(async (c) => ensureSchema(c));
}

async function ensureSchema(c: Connection): Promise<void> {
  await c.query(`CREATE DATABASE IF NOT EXISTS ${sqlIdent(TOPOLOGY_SCHEMA)}`);
  await ensureIamView(c);
}

/**
 * Replace the rows of each cluster's table with its members, in one transaction per cluster, so a
 * reader never sees a half-written membership. `admin` reaches the server the clusters' instances
 * replicate from (the writer, or for a global secondary its primary's writer).
 */
export async function writeTopology(admin: MysqlAdmin, clusters: MysqlClusterTopology[]): Promise<void> {
  await admin(async (c) => {
    await ensureSchema(c);
    for (const cluster of clusters) {
      const table = topologyTable(cluster.clusterId);
      await c.query(`CREATE TABLE IF NOT EXISTS ${table} ${COLUMNS}`);
      const rows = cluster.members.map((m) => {
        const writer = m.id === cluster.writerId;
        const lag = writer ? 0 : m.lagMs ?? null;
        return `(${sqlString(m.id)}, ${sqlString(writer ? MASTER_SESSION_ID : m.session)}, NOW(6), ${lag === null ? 'NULL' : Number(lag)}, ${writer ? 0 : 'NULL'})`;
      });
      await c.query('START TRANSACTION');
      try {
        await c.query(`DELETE FROM ${table}`);
        if (rows.length > 0) {
          await c.query(`INSERT INTO ${table} (SERVER_ID, SESSION_ID, LAST_UPDATE_TIMESTAMP, REPLICA_LAG_IN_MILLISECONDS, MASTER_SLAVE_LATENCY_IN_MICROSECONDS) VALUES ${rows.join(', ')}`);
        }
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      }
    }
  });
}
