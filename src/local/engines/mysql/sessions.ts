/**
 * The Serverless v2 scaler's SessionSource for MySQL (MariaDB): client sessions from
 * information_schema.PROCESSLIST. A session runs a statement unless its COMMAND is Sleep; it is over
 * TCP when its HOST is an address:port rather than 'localhost' (the socket, the local plane's own).
 * The server's background and replication threads are not client sessions.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { SessionCounts, SessionSource } from '../../serverless/session-source.js';

const SESSIONS_SQL = `SELECT USER AS user, HOST AS host, COMMAND AS command
  FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()`;

/** Threads that are the server's own, or a replica's binlog reader on a writer, not clients. */
const SYSTEM_USERS = new Set(['system user', 'event_scheduler', 'unauthenticated user']);
const SYSTEM_COMMANDS = /^(Daemon|Binlog Dump|Binlog Dump GTID|Slave_IO|Slave_SQL|Slave_worker|Connect)$/i;

/** `connect` opens a superuser connection (engines/mysql/pi-statements.ts' mysqlSocketConnector makes one). */
export function mysqlSessionSource(connect: () => Promise<Connection>): SessionSource {
  let conn: Connection | undefined;
  return {
    async sample(): Promise<SessionCounts> {
      conn ??= await connect();
      const [rows] = await conn.query<RowDataPacket[]>(SESSIONS_SQL);
      const clients = (rows as { user: string | null; host: string | null; command: string }[])
        .filter((r) => r.user !== null && !SYSTEM_USERS.has(r.user) && !SYSTEM_COMMANDS.test(r.command));
      return {
        active: clients.filter((r) => r.command !== 'Sleep').length,
        tcp: clients.filter((r) => !!r.host && r.host !== 'localhost' && !r.host.startsWith('localhost:')).length,
        pids: [],
      };
    },
    async close() {
      const c = conn;
      conn = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
