/**
 * Applies an Aurora PostgreSQL cluster parameter group's logging parameters to the cluster's real
 * servers, as RDS applies a dynamic parameter: ALTER SYSTEM and a configuration reload, no restart.
 * Called after every control-plane call; it acts only when a server's wanted values changed (a
 * parameter group modified, a new instance up). Only the parameters below are applied locally.
 */
import type { SimCloud } from '../../sim/model/cloud.js';
import { withAdminClient } from '../engines/postgres/admin-sql.js';
import type { LocalLogsSource } from './local-logs.js';
import { processInfo } from './proc-info.js';

const APPLIED = ['log_min_duration_statement', 'log_statement', 'log_connections', 'log_lock_waits'];

export class PgParameterApplier {
  private readonly applied = new Map<string, string>();

  constructor(private readonly source: LocalLogsSource) {}

  /** Bring every running aurora-postgresql server in line with its cluster's parameter group. */
  async apply(sim: SimCloud): Promise<void> {
    const state = sim.toJSON();
    const pids = this.source.serverPids();
    for (const i of Object.values(state.instances)) {
      const pid = pids[i.id];
      const cluster = i.clusterId ? state.clusters[`${i.region}/${i.clusterId}`] : undefined;
      if (!pid || !cluster || cluster.engine !== 'aurora-postgresql') continue;
      const group = state.parameterGroups[`${i.region}/cluster/${cluster.clusterParameterGroup}`];
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
}
