/**
 * PostgreSQL's side of the topology publisher (topology/topology-publisher.ts): the readers' lag as
 * the writer measures it (pg_stat_replication), written as the comment of the aurora_lab_topology role
 * that aurora_replica_status() (aurora-functions.ts) reads on every instance.
 */
import type { ClusterTopology } from '../../topology/topology-publisher.js';
import { quoteLiteral, withAdminClient } from './admin-sql.js';
import { TOPOLOGY_ROLE, TOPOLOGY_ROLE_SQL } from './aurora-functions.js';
import type { PgServer } from './pg-server.js';

interface Measured {
  application_name: string;
  reply_time: Date | null;
  lag: number | null;
  xmin: string | null;
}

const MEASURE_SQL = `SELECT application_name, reply_time, backend_xmin::text AS xmin,
  CASE WHEN replay_lsn >= sent_lsn THEN 0 ELSE extract(epoch FROM replay_lag) * 1000 END::float8 AS lag
  FROM pg_stat_replication`;

/** Write the entries; true when a reader was not streaming (so had nothing to measure). */
export async function writePgTopology(writer: PgServer, clusters: ClusterTopology[]): Promise<boolean> {
  return withAdminClient(writer.socket, async (c) => {
    const measured = new Map((await c.query<Measured>(MEASURE_SQL)).rows.map((r) => [r.application_name, r]));
    const unseen = clusters.some((cl) => cl.members.some((m) => m.id !== cl.writerId && !measured.has(m.id)));
    const now = new Date().toISOString();
    const doc = Object.fromEntries(
      clusters.map((cl) => [
        cl.clusterId,
        {
          ...(cl.writerId ? { writer: cl.writerId } : {}),
          members: cl.members.map((m) => {
            const seen = measured.get(m.id);
            return { id: m.id, session: m.session, at: seen?.reply_time?.toISOString() ?? (m.id === cl.writerId ? now : null), lag: seen?.lag ?? null, xmin: seen?.xmin ?? null };
          }),
        },
      ]),
    );
    await c.query(TOPOLOGY_ROLE_SQL);
    await c.query(`COMMENT ON ROLE ${TOPOLOGY_ROLE} IS ${quoteLiteral(JSON.stringify(doc))}`);
    return unseen;
  });
}
