/**
 * What a new writer gets once, which its replicas then receive by replication: Aurora's
 * aurora_db_instance_identifier() (labs use it to learn which instance answered) and the database
 * named in the cluster spec.
 */
import { quoteIdent, withAdminClient } from './admin-sql.js';
import type { PgServer } from './pg-server.js';

const IDENTIFIER_FN = `
CREATE OR REPLACE FUNCTION public.aurora_db_instance_identifier() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT current_setting('aurora_lab.instance_id', true) $$`;

/** Install the identifier function in template1 (so later databases have it) and in every existing one. */
export async function installIdentifierFunction(server: PgServer): Promise<void> {
  const dbs = await withAdminClient(server.socket, async (c) => {
    const r = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datallowconn');
    return r.rows.map((row) => row.datname);
  });
  for (const database of dbs) {
    await withAdminClient({ ...server.socket, database }, (c) => c.query(IDENTIFIER_FN));
  }
}

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
