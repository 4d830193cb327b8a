/**
 * Is a user a member of rds_iam? Asked of the instance a connection is routed to (a replica answers
 * from the replicated catalog) at every login through an IAM-enabled endpoint. A new admin session per
 * login costs a backend start (~50 ms, half a token login), so one is kept per instance and closed
 * after a few idle seconds: an idle front holds no connection (a Serverless v2 instance may pause).
 */
import pg from 'pg';
import { IAM_ROLE } from './iam-setup.js';
import type { PgServer } from './pg-server.js';

const IDLE_MS = 5000;

const MEMBER_SQL = `WITH RECURSIVE granted(roleid) AS (
    SELECT a.roleid FROM pg_auth_members a JOIN pg_roles u ON u.oid = a.member WHERE u.rolname = $1
    UNION SELECT a.roleid FROM pg_auth_members a JOIN granted g ON a.member = g.roleid)
  SELECT EXISTS (SELECT 1 FROM granted g JOIN pg_roles r ON r.oid = g.roleid WHERE r.rolname = $2) AS iam`;

interface Held {
  server: PgServer;
  port: number;
  client: Promise<pg.Client>;
  timer?: NodeJS.Timeout;
}

export class IamMembership {
  private readonly held = new Map<string, Held>();

  /** Directly or through other roles; a superuser only when explicitly granted it (as pg_hba's +role). */
  async isIamUser(server: PgServer, user: string): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const entry = this.entry(server);
      try {
        const client = await entry.client;
        const r = await client.query<{ iam: boolean }>(MEMBER_SQL, [user, IAM_ROLE]);
        this.idleLater(entry);
        return r.rows[0]?.iam === true;
      } catch (err) {
        // A session the instance ended (restart, failover): one more try on a new one.
        this.drop(server.instanceId, entry);
        if (attempt >= 1) throw err;
      }
    }
  }

  close(): void {
    for (const [id, entry] of this.held) this.drop(id, entry);
  }

  private entry(server: PgServer): Held {
    const current = this.held.get(server.instanceId);
    if (current && current.server === server && current.port === server.port) return current;
    if (current) this.drop(server.instanceId, current);
    const socket = server.socket;
    const client = new pg.Client({ host: socket.socketDir, port: socket.port, user: socket.user, database: 'postgres', connectionTimeoutMillis: 5000 });
    const entry: Held = { server, port: server.port, client: client.connect().then(() => client) };
    client.on('error', () => this.drop(server.instanceId, entry));
    entry.client.catch(() => this.drop(server.instanceId, entry));
    this.held.set(server.instanceId, entry);
    return entry;
  }

  private idleLater(entry: Held): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => this.drop(entry.server.instanceId, entry), IDLE_MS);
    entry.timer.unref();
  }

  private drop(instanceId: string, entry: Held): void {
    if (this.held.get(instanceId) === entry) this.held.delete(instanceId);
    clearTimeout(entry.timer);
    entry.client.then((c) => c.end()).catch(() => undefined);
  }
}
