/**
 * Statement statistics for Performance Insights: pg_stat_statements, preloaded into every local server
 * (shared_preload_libraries takes effect only at start, and switching PI on must not restart an
 * instance), and its SQL interface created when PI is switched on.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LocalTargetError } from '../../../errors.js';
import { withAdminClient, type SocketAddress } from './admin-sql.js';
import type { PgBinaries } from './pg-binaries.js';

const LIBRARY = 'pg_stat_statements';
const cache = new Map<string, boolean>();

/** Whether the installation ships pg_stat_statements (Debian, Homebrew and source layouts); not every build does. */
export function hasStatementStats(binaries: PgBinaries): boolean {
  const known = cache.get(binaries.dir);
  if (known !== undefined) return known;
  // The bin dir may hold symlinks (/usr/local/bin): look next to the real postgres binary too.
  const prefixes = new Set([dirname(binaries.dir), dirname(dirname(realpathOr(binaries.postgres)))]);
  const libDirs = [...prefixes].flatMap((p) => [join(p, 'lib'), join(p, 'lib', 'postgresql'), join(p, 'lib64'), join(p, 'lib64', 'pgsql')]);
  const found = libDirs.some((d) => ['.so', '.dylib', '.dll'].some((ext) => existsSync(join(d, LIBRARY + ext))));
  cache.set(binaries.dir, found);
  return found;
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** postgres command-line settings that load the statistics collector (none when it is not installed). */
export function statementStatsArgs(binaries: PgBinaries): string[] {
  if (!hasStatementStats(binaries)) return [];
  return [
    '-c', `shared_preload_libraries=${LIBRARY}`,
    // A lab runs a handful of statements: a small table keeps three instances small.
    '-c', 'pg_stat_statements.max=1000',
    // Utility statements (CREATE TABLE, SET) are not what PI's top SQL is about.
    '-c', 'pg_stat_statements.track_utility=off',
    // pg_stat_activity.query_id, which matches pg_stat_statements.queryid, lets the sampler place a
    // long statement's time while it runs instead of all at once when it ends.
    '-c', 'compute_query_id=on',
  ];
}

/**
 * CREATE EXTENSION on a writer (hot standbys cannot, and receive it by replication). The extension lives
 * in the postgres database, where the sampler reads it; its counters cover every database.
 */
export async function createStatementStats(writer: SocketAddress, binaries: PgBinaries): Promise<void> {
  if (!hasStatementStats(binaries)) {
    throw new LocalTargetError('Performance Insights needs pg_stat_statements, which this PostgreSQL installation lacks.', {
      code: 'LOCAL_PI_UNAVAILABLE',
      hint: 'Install the PostgreSQL contrib modules (Debian: the postgresql-15 package includes them; elsewhere postgresql-contrib).',
    });
  }
  await withAdminClient({ ...writer, database: 'postgres' }, async (c) => {
    // A global secondary's writer is itself a standby: the extension reaches it from its primary.
    const r = await c.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    if (r.rows[0]?.standby) return;
    await c.query(`CREATE EXTENSION IF NOT EXISTS ${LIBRARY}`);
  });
}
