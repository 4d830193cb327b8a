/**
 * What a new writer gets once, which its replicas then receive by replication: the database named in
 * the cluster spec (Aurora's own functions are in aurora-functions.ts).
 */
import { quoteIdent, withAdminClient } from './admin-sql.js';
import type { PgServer } from './pg-server.js';

/**
 * PostgreSQL 15's default WAL_LOG strategy writes the whole template database into WAL; copying the
 * files is faster for the small template here (its checkpoints are cheap with fsync off).
 */
const FILE_COPY = ' STRATEGY = FILE_COPY';

export async function ensureDatabase(server: PgServer, name: string | undefined, owner = server.superuser): Promise<void> {
  if (!name || name === 'postgres') return;
  await withAdminClient(server.socket, async (c) => {
    const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (r.rowCount === 0) await c.query(`CREATE DATABASE ${quoteIdent(name)} OWNER ${quoteIdent(owner)}${FILE_COPY}`);
  });
}
