/**
 * The Serverless v2 scaler's SessionSource for PostgreSQL: client backends from pg_stat_activity
 * (active ones, and those connected over TCP), and every backend's pid, whose CPU counts as the
 * instance's. Connections over the admin socket are the local plane's own and never count as TCP.
 */
import type pg from 'pg';
import type { SessionCounts, SessionSource } from '../../serverless/session-source.js';
import { openAdminClient, type SocketAddress } from './admin-sql.js';

const SESSIONS_SQL = `select pid, state, backend_type, client_addr is not null as tcp
  from pg_stat_activity where pid <> pg_backend_pid()`;

/** `socket` is read again on every connection (a restarted server may listen elsewhere). */
export function pgSessionSource(socket: () => SocketAddress): SessionSource {
  let client: pg.Client | undefined;
  return {
    async sample(): Promise<SessionCounts> {
      client ??= await openAdminClient(socket(), { applicationName: 'aurora-lab-capacity', connectTimeoutMs: 2000 });
      const rows = (await client.query<{ pid: number; state: string | null; backend_type: string; tcp: boolean }>(SESSIONS_SQL)).rows;
      const clients = rows.filter((r) => r.backend_type === 'client backend');
      return {
        active: clients.filter((r) => r.state === 'active').length,
        tcp: clients.filter((r) => r.tcp).length,
        pids: rows.map((r) => r.pid),
      };
    },
    async close() {
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
