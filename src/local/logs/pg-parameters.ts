/**
 * Applies a cluster parameter group's logging parameters to the cluster's real servers, as RDS applies
 * a dynamic parameter: PostgreSQL ALTER SYSTEM and a configuration reload, MariaDB SET GLOBAL.
 * Called after every control-plane call; it acts only when a server's wanted values changed (a
 * parameter group modified, a new instance up). Only the parameters below are applied locally.
 */
import type { SimCloud } from '../../sim/model/cloud.js';
import { withAdminClient } from '../engines/postgres/admin-sql.js';
import type { LocalLogsSource } from './local-logs.js';
import { localSuperuser } from '../engines/mysql/maria-server.js';
import { quoteString } from '../engines/mysql/maria-sql.js';
import { slowLogFile } from './maria-log.js';
import { processInfo } from './proc-info.js';

const APPLIED = ['log_min_duration_statement', 'log_statement', 'log_connections', 'log_lock_waits'];

export class PgParameterApplier {
  private readonly applied = new Map<string, string>();

  constructor(private readonly source: LocalLogsSource) {}

  /** Bring every running aurora-postgresql server in line with its cluster's parameter group. */
  async apply(sim: SimCloud): Promise<void> {
    const state = sim.peek();
    const pids = this.source.serverPids();
    for (const i of Object.values(state.instances)) {
      const pid = pids[i.id];
      const cluster = i.clusterId ? state.clusters[`${i.region}/${i.clusterId}`] : undefined;
      if (!pid || !cluster) continue;
      const group = state.parameterGroups[`${i.region}/cluster/${cluster.clusterParameterGroup}`];
      if (cluster.engine === 'aurora-mysql') {
        await this.applyMaria(i.id, pid, group?.parameters ?? {});
        continue;
      }
      if (cluster.engine !== 'aurora-postgresql') continue;
      const wanted = Object.fromEntries(APPLIED.map((k) => [k, group?.parameters?.[k]?.value]));
      const key = JSON.stringify([pid, wanted]);
      if (this.applied.get(i.id) === key) continue;
      const settings = processInfo(pid)?.settings;
      if (!settings?.port || !settings.unix_socket_directories) continue;
      try {
        await withAdminClient({ socketDir: settings.unix_socket_directories, port: Number(settings.port), user: cluster.masterUsername }, async (c) => {
          for (const [name, value] of Object.entries(wanted)) {
            // Values were checked by the model (numbers, or one of a few words): safe to inline.
            await c.query(value === undefined ? `alter system reset ${name}` : `alter system set ${name} = '${value.replace(/'/g, "''")}'`);
          }
          await c.query('select pg_reload_conf()');
        });
        this.applied.set(i.id, key);
      } catch {
        // A reader (read-only) or a server going away: the next call tries again.
      }
    }
  }

  /** MariaDB: SET GLOBAL, the slow log written to a file of the instance's own (what the export reads). */
  private async applyMaria(instanceId: string, pid: number, params: Record<string, { value: string }>): Promise<void> {
    const wanted = Object.fromEntries(MARIA_APPLIED.map((k) => [k, params[k]?.value]));
    const key = JSON.stringify([pid, wanted]);
    if (this.applied.get(instanceId) === key) return;
    const settings = processInfo(pid)?.settings;
    if (!settings?.socket || !settings.datadir) return;
    const { createConnection } = await import('mysql2/promise');
    try {
      const c = await createConnection({ socketPath: settings.socket, user: localSuperuser(), connectTimeout: 5000 });
      try {
        await c.query(`set global slow_query_log_file = ${quoteString(slowLogFile(settings.datadir))}`);
        await c.query(`set global slow_query_log = ${wanted['slow_query_log'] === '1' ? 1 : 0}`);
        await c.query(`set global long_query_time = ${Number(wanted['long_query_time'] ?? 10)}`);
        await c.query(`set global log_output = ${quoteString(wanted['log_output'] ?? 'FILE')}`);
      } finally {
        await c.end().catch(() => {});
      }
      this.applied.set(instanceId, key);
    } catch {
      // A server going away: the next call tries again.
    }
  }
}

const MARIA_APPLIED = ['slow_query_log', 'long_query_time', 'log_output'];
