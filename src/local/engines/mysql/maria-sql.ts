/**
 * Small SQL helpers for the MariaDB driver: quoting names and literals for statements that take no
 * placeholders (CREATE USER, GRANT, CHANGE MASTER), and the mysql_native_password hash, so a password
 * itself never travels in a statement text (mysql2 puts the text of a failed statement in its error).
 */
import { createHash } from 'node:crypto';

export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\0/g, '\\0')}'`;
}

export function quoteIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

export function quoteAccount(user: string, host: string): string {
  return `${quoteString(user)}@${quoteString(host)}`;
}

/** What `PASSWORD('...')` computes for mysql_native_password: '*' and the hex of SHA1(SHA1(password)). */
export function nativePasswordHash(password: string): string {
  const inner = createHash('sha1').update(password, 'utf8').digest();
  return `*${createHash('sha1').update(inner).digest('hex').toUpperCase()}`;
}

/** A row of SHOW SLAVE STATUS (only the columns used here). */
export interface SlaveStatus {
  Slave_IO_Running: string;
  Slave_SQL_Running: string;
  Last_IO_Errno: number;
  Last_IO_Error: string;
  Last_SQL_Errno: number;
  Last_SQL_Error: string;
  Seconds_Behind_Master: number | null;
  Master_Log_File: string;
  Read_Master_Log_Pos: number;
  Relay_Master_Log_File: string;
  Exec_Master_Log_Pos: number;
  Gtid_IO_Pos: string;
  Master_Host: string;
  Master_Port: number;
}
