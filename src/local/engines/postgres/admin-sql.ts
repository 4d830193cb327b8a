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

/**
 * A connected superuser client on the server's unix socket. A server stopping under it makes the
 * awaited query fail (and say so); the 'error' handler only keeps the process alive meanwhile, so a
 * long-lived client (a sampler's) just reconnects on its next use.
 */
export async function openAdminClient(addr: SocketAddress, options: { applicationName?: string; connectTimeoutMs?: number } = {}): Promise<pg.Client> {
  const client = new pg.Client({
    host: addr.socketDir,
    port: addr.port,
    user: addr.user,
    database: addr.database ?? 'postgres',
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

export async function withAdminClient<T>(addr: SocketAddress, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await openAdminClient(addr);
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
