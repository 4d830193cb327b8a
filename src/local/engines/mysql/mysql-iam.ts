/**
 * IAM database users on MariaDB, as Aurora MySQL has them (`IDENTIFIED WITH AWSAuthenticationPlugin
 * AS 'RDS'`). MariaDB has no such plugin and refuses to create a user with it, but it keeps whatever
 * mysql.global_priv says. What we chose, having tried it on MariaDB 10.11:
 *
 * - The front rewrites CREATE USER / ALTER USER ... IDENTIFIED WITH AWSAuthenticationPlugin into one
 *   compound statement that creates the user `IDENTIFIED VIA mysql_native_password USING '<hash>'`,
 *   then adds AWSAuthenticationPlugin as a second method (`OR`) in global_priv's auth_or list, and
 *   flushes privileges. The password is internal: HMAC(secret, user), known only to the front; only
 *   its mysql_native_password hash reaches the server (and its binary log, so the readers get the user).
 * - Logging in with the internal password passes the first method. Any other answer fails it, and
 *   MariaDB then tries the second, which it cannot load: the login ends with error 1524 "Plugin
 *   'AWSAuthenticationPlugin' is not loaded". That error is how the front recognises an IAM user
 *   without a lookup of its own (isIamUserError).
 * - GRANT rewrites global_priv with the first method at the top, so mysql.user's plugin column says
 *   mysql_native_password. Reads of mysql.user are therefore pointed at the view aurora_lab.user
 *   (same columns; plugin 'AWSAuthenticationPlugin' and authentication_string 'RDS' for IAM users).
 */
import { createHash, createHmac } from 'node:crypto';
import type { Connection } from 'mysql2/promise';
import { identName, significant, sqlIdent, sqlString, stringValue, tokenize, type Token } from './mysql-lexer.js';

export const IAM_PLUGIN = 'AWSAuthenticationPlugin';
export const IAM_SCHEMA = 'aurora_lab';
/** ER_PLUGIN_IS_NOT_LOADED */
const PLUGIN_NOT_LOADED = 1524;

/** The password the front logs an IAM user in with: derived, never stored, never logged. */
export function internalPassword(secret: Buffer, user: string | Buffer): Buffer {
  const name = typeof user === 'string' ? Buffer.from(user, 'latin1') : user;
  return Buffer.from(createHmac('sha256', secret).update('aurora-lab mysql iam\0').update(name).digest('hex'), 'latin1');
}

const sha1 = (...parts: Buffer[]) => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** mysql_native_password's stored form: '*' + hex(SHA1(SHA1(password))). */
export function nativeHash(password: Buffer): string {
  return `*${sha1(sha1(password)).toString('hex').toUpperCase()}`;
}

/** mysql_native_password's answer to a 20-byte salt: SHA1(pw) XOR SHA1(salt + SHA1(SHA1(pw))). */
export function nativeScramble(password: Buffer, salt: Buffer): Buffer {
  if (password.length === 0) return Buffer.alloc(0);
  const stage1 = sha1(password);
  const mix = sha1(salt.subarray(0, 20), sha1(stage1));
  return Buffer.from(stage1.map((b, i) => b ^ mix[i]!));
}

/** The error that ends a login as an IAM user with anything but its internal password. */
export function isIamUserError(code: number, message: string): boolean {
  return code === PLUGIN_NOT_LOADED && message.includes(IAM_PLUGIN);
}

/**
 * The statement MariaDB is sent instead of `sql`: IAM user creation made real (see above), reads of
 * mysql.user pointed at the view; anything else unchanged.
 */
export function rewriteIam(sql: string, secret: Buffer): string {
  if (!/AWSAuthenticationPlugin|mysql/i.test(sql)) return sql;
  const tokens = tokenize(sql);
  const sig = significant(tokens);
  const first = tokens[sig[0]!]?.text.toLowerCase();
  if (first === 'create' || first === 'alter') return iamUserStatement(tokens, sig, secret) ?? sql;
  if (first === 'select' || first === 'with' || first === '(') return userTableReads(tokens, sig);
  return sql;
}

function iamUserStatement(tokens: Token[], sig: number[], secret: Buffer): string | undefined {
  const t = sig.map((i) => tokens[i]!);
  const w = (k: number) => (t[k]?.type === 'word' ? t[k]!.text.toLowerCase() : undefined);
  const verb = w(0)!.toUpperCase();
  if (w(1) !== 'user') return undefined;
  let k = 2;
  let guard = '';
  if (verb === 'CREATE' && w(2) === 'if' && w(3) === 'not' && w(4) === 'exists') [k, guard] = [5, ' IF NOT EXISTS'];
  if (verb === 'ALTER' && w(2) === 'if' && w(3) === 'exists') [k, guard] = [4, ' IF EXISTS'];
  const userToken = t[k];
  if (!userToken || !['word', 'string', 'quoted'].includes(userToken.type)) return undefined;
  const user = userToken.type === 'string' ? stringValue(userToken) : userToken.type === 'quoted' ? userToken.text.slice(1, -1).replace(/``/g, '`') : userToken.text;
  let host = '%';
  let spec = userToken.text;
  if (t[k + 1]?.type === 'uservar') {
    const h = t[k + 1]!.text.slice(1);
    host = /^['"]/.test(h) ? stringValue({ type: 'string', text: h }) : h.startsWith('`') ? h.slice(1, -1) : h;
    spec += t[k + 1]!.text;
    k++;
  }
  k++;
  if (w(k) !== 'identified' || w(k + 1) !== 'with') return undefined;
  const plugin = t[k + 2];
  const pluginName = plugin?.type === 'string' ? stringValue(plugin) : identName(plugin);
  if (pluginName?.toLowerCase() !== IAM_PLUGIN.toLowerCase()) return undefined;
  k += 3;
  if (w(k) === 'as' && t[k + 1]?.type === 'string') k += 2;
  if (t[k]?.type === 'punct' && t[k]!.text === ';') k++;
  if (k !== t.length) return undefined;
  const hash = nativeHash(internalPassword(secret, user));
  const methods = `JSON_ARRAY(JSON_OBJECT(), JSON_OBJECT('plugin', ${sqlString(IAM_PLUGIN)}, 'authentication_string', 'RDS'))`;
  return [
    'BEGIN NOT ATOMIC',
    `${verb} USER${guard} ${spec} IDENTIFIED VIA mysql_native_password USING ${sqlString(hash)};`,
    `UPDATE mysql.global_priv SET Priv = JSON_SET(Priv, '$.auth_or', ${methods})`,
    `WHERE User = ${sqlString(user)} AND Host = ${sqlString(host)} AND JSON_VALUE(Priv, '$.authentication_string') = ${sqlString(hash)};`,
    'FLUSH PRIVILEGES;',
    'END',
  ].join(' ');
}

/** mysql.user in a read: the view that shows IAM users as Aurora does. */
function userTableReads(tokens: Token[], sig: number[]): string {
  const out = tokens.map((t) => t.text);
  let changed = false;
  for (let k = 0; k + 2 < sig.length; k++) {
    const dot = tokens[sig[k + 1]!]!;
    if (identName(tokens[sig[k]!]) !== 'mysql' || dot.type !== 'punct' || dot.text !== '.' || identName(tokens[sig[k + 2]!]) !== 'user') continue;
    // Not a column of a table aliased "mysql", nor mysql.user.x: a qualified column of the view would need its own name.
    const before = tokens[sig[k - 1]!];
    if (before?.type === 'punct' && before.text === '.') continue;
    for (let i = sig[k]!; i <= sig[k + 2]!; i++) out[i] = '';
    out[sig[k]!] = `${sqlIdent(IAM_SCHEMA)}.${sqlIdent('user')}`;
    changed = true;
  }
  return changed ? out.join('') : tokens.map((t) => t.text).join('');
}

/** Create the schema and the view of mysql.user (once; idempotent) on the writer. */
export async function ensureIamView(c: Connection): Promise<void> {
  await c.query(`CREATE DATABASE IF NOT EXISTS ${sqlIdent(IAM_SCHEMA)}`);
  const [rows] = (await c.query(
    "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'mysql' AND TABLE_NAME = 'user' ORDER BY ORDINAL_POSITION",
  )) as unknown as [{ name: string }[]];
  const iam = `JSON_CONTAINS(JSON_EXTRACT(g.Priv, '$.auth_or[*].plugin'), ${sqlString(JSON.stringify(IAM_PLUGIN))})`;
  const columns = rows.map(({ name }) => {
    const lower = name.toLowerCase();
    if (lower === 'plugin') return `IF(${iam}, ${sqlString(IAM_PLUGIN)}, u.${sqlIdent(name)}) AS ${sqlIdent(name)}`;
    if (lower === 'authentication_string') return `IF(${iam}, 'RDS', u.${sqlIdent(name)}) AS ${sqlIdent(name)}`;
    return `u.${sqlIdent(name)}`;
  });
  await c.query(
    `CREATE SQL SECURITY INVOKER VIEW IF NOT EXISTS ${sqlIdent(IAM_SCHEMA)}.${sqlIdent('user')} AS SELECT ${columns.join(', ')} ` +
      'FROM mysql.user u JOIN mysql.global_priv g ON g.Host = u.Host AND g.User = u.User',
  );
}
