/**
 * What a new Aurora MySQL cluster's writer gets: the master user and, when asked, its first database.
 *
 * Aurora's master user may do nearly everything (all DML and DDL, CREATE USER, GRANT OPTION,
 * REPLICATION CLIENT and SLAVE, PROCESS, RELOAD, EVENT, TRIGGER ...) but is no SUPER: in particular it
 * cannot write on a reader. MariaDB 10.11 lets an account with READ_ONLY ADMIN (or SUPER, which no
 * longer includes it but is withheld too) write despite read_only, so neither is granted, and an INSERT
 * of the master user on a replica fails with 1290 as on an Aurora reader.
 *
 * Run on the writer only: replicas get the account through the binlog. A restored snapshot or a
 * template copy keeps its accounts; the cluster's master user is (re)created with the new password.
 */
import { LocalTargetError } from '../../../errors.js';
import type { MariaServer } from './maria-server.js';
import { nativePasswordHash, quoteAccount, quoteIdent } from './maria-sql.js';

export const MASTER_USER_PRIVILEGES = [
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'RELOAD', 'PROCESS', 'REFERENCES', 'INDEX',
  'ALTER', 'SHOW DATABASES', 'CREATE TEMPORARY TABLES', 'LOCK TABLES', 'EXECUTE', 'REPLICATION SLAVE',
  'BINLOG MONITOR', 'SLAVE MONITOR', 'CREATE VIEW', 'SHOW VIEW', 'CREATE ROUTINE', 'ALTER ROUTINE',
  'CREATE USER', 'EVENT', 'TRIGGER', 'DELETE HISTORY',
];

function checkName(kind: string, name: string): void {
  // MariaDB allows 80 characters in a user name and 64 in a database name; RDS is stricter still.
  if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(name)) {
    throw new LocalTargetError(`Invalid ${kind} name ${JSON.stringify(name)}.`, {
      code: 'LOCAL_MYSQL_NAME',
      hint: `A ${kind} name starts with a letter and has only letters, digits and underscores (at most 64).`,
    });
  }
}

/** The master user `name`@'%' with `password` (only its hash is sent) and Aurora's master privileges. */
export async function ensureMasterUser(server: MariaServer, name: string, password: string): Promise<void> {
  checkName('user', name);
  const account = quoteAccount(name, '%');
  const hash = nativePasswordHash(password);
  await server.admin(async (c) => {
    await c.query(`CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY PASSWORD '${hash}'`);
    await c.query(`ALTER USER ${account} IDENTIFIED BY PASSWORD '${hash}'`);
    // A restored snapshot may carry more (an older grant): the master user has exactly this.
    await c.query(`REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${account}`);
    await c.query(`GRANT ${MASTER_USER_PRIVILEGES.join(', ')} ON *.* TO ${account} WITH GRANT OPTION`);
  });
}

/** CREATE DATABASE IF NOT EXISTS (the cluster's DatabaseName). */
export async function ensureDatabase(server: MariaServer, name: string): Promise<void> {
  checkName('database', name);
  await server.admin((c) => c.query(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(name)}`));
}
