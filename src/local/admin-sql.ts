/**
 * Superuser SQL over a server's own unix socket (trust auth, no password, no TLS). Used for set-up:
 * the instance-identifier function, databases, master passwords, promotion.
 */
import pg from 'pg';

export interface SocketAddress {
  socketDir: string;
  port: number;
  user: string;
  database?: string;
}

export async function withAdminClient<T>(addr: SocketAddress, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: addr.socketDir,
    port: addr.port,
    user: addr.user,
    database: addr.database ?? 'postgres',
    connectionTimeoutMillis: 5000,
  });
  client.on('error', () => {
    // A server stopping under us: the awaited query fails and says so; this only keeps the process alive.
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Set a role's password without it reaching the server log: a failing statement is normally logged
 * with its text, so this session raises log_min_error_statement above every error level first.
 */
export async function setRolePassword(client: pg.Client, role: string, password: string): Promise<void> {
  await client.query('SET log_min_error_statement = panic');
  await client.query('SET log_statement = none');
  await client.query(`ALTER ROLE ${quoteIdent(role)} WITH LOGIN PASSWORD ${quoteLiteral(password)}`);
}
