import { UsageError } from '../errors.js';
import { SqlError } from './sql-error.js';
import type { EngineFamily, SqlSession } from './types.js';

/** The probe's statements for one engine. Only the table name is spliced in, and it is validated. */
export interface ProbeSql {
  createTable: string;
  /** Params: runId, seq, client timestamp (epoch ms). Postgres returns instance_id. */
  insert: string;
  /** Params: runId. Returns instance_id and max_seq. */
  read: string;
  /** Returns instance_id. */
  identify: string;
  /** Params: runId. Returns seq. */
  selectSeqs: string;
  /** Returns present: whether the table exists (a read-only server cannot run createTable even then). */
  tableExists: string;
}

export const DEFAULT_PROBE_TABLE = 'aurora_lab_probe';

export function validateTableName(table: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) {
    throw new UsageError(`Probe table name "${table}" is not a plain SQL identifier (letters, digits, _; at most 63).`, {
      code: 'PROBE_TABLE',
    });
  }
  return table;
}

/**
 * On Aurora the instance that answered is named by aurora_db_instance_identifier() /
 * @@aurora_server_id. A plain server (the local target, tests) has neither: there the server's
 * cluster_name setting or address:port stands in, which still changes when the writer does.
 */
export const PG_AURORA_ID = 'aurora_db_instance_identifier()';
export const PG_FALLBACK_ID =
  "coalesce(nullif(current_setting('cluster_name', true), ''), host(inet_server_addr()) || ':' || inet_server_port()::text)";
export const MYSQL_AURORA_ID = '@@aurora_server_id';
export const MYSQL_FALLBACK_ID = "concat(@@hostname, ':', @@port)";

export function probeSql(family: EngineFamily, table: string, idExpr: string): ProbeSql {
  const t = validateTableName(table);
  if (family === 'postgres') {
    return {
      createTable:
        `create table if not exists ${t} (run_id text not null, seq bigint not null, ` +
        `client_ts bigint not null, primary key (run_id, seq))`,
      insert: `insert into ${t} (run_id, seq, client_ts) values ($1, $2, $3) returning ${idExpr} as instance_id`,
      read: `select ${idExpr} as instance_id, (select max(seq) from ${t} where run_id = $1) as max_seq`,
      identify: `select ${idExpr} as instance_id`,
      selectSeqs: `select seq from ${t} where run_id = $1`,
      tableExists: `select to_regclass('${t}') is not null as present`,
    };
  }
  return {
    createTable:
      `create table if not exists ${t} (run_id varchar(128) not null, seq bigint not null, ` +
      `client_ts bigint not null, primary key (run_id, seq))`,
    insert: `insert into ${t} (run_id, seq, client_ts) values (?, ?, ?)`,
    read: `select ${idExpr} as instance_id, (select max(seq) from ${t} where run_id = ?) as max_seq`,
    identify: `select ${idExpr} as instance_id`,
    selectSeqs: `select seq from ${t} where run_id = ?`,
    tableExists: `select count(*) > 0 as present from information_schema.tables where table_schema = database() and table_name = '${t}'`,
  };
}

/** Picks the Aurora identity expression when the server has it, the fallback otherwise. */
export async function detectIdentityExpression(session: SqlSession): Promise<string> {
  if (session.family === 'postgres') {
    const { rows } = await session.query(
      "select to_regproc('aurora_db_instance_identifier') is not null as aurora",
    );
    return rows[0]?.aurora === true ? PG_AURORA_ID : PG_FALLBACK_ID;
  }
  try {
    await session.query(`select ${MYSQL_AURORA_ID} as instance_id`);
    return MYSQL_AURORA_ID;
  } catch (err) {
    // 1193: unknown system variable (not Aurora).
    if (err instanceof SqlError && err.code === '1193') return MYSQL_FALLBACK_ID;
    throw err;
  }
}
