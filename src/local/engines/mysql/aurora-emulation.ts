/**
 * What Aurora MySQL answers that MariaDB does not know, as a rewrite of the statements a client sends
 * through the MySQL front (mysql-front.ts), before they reach the instance:
 *
 * - `@@aurora_server_id` (and `@@global.` / `@@session.` forms, any case): the instance's identifier;
 *   `@@aurora_version`: the Aurora version; `@@innodb_read_only`: 1 on a reader, 0 on the writer.
 *   A bare select item keeps the column name MySQL gives it (`@@aurora_server_id`).
 * - `information_schema.replica_host_status`: the cluster's table that mysql-topology.ts keeps.
 * - `SHOW [GLOBAL|SESSION] VARIABLES LIKE 'aurora_version'` (or 'aurora_server_id'): a SELECT with the
 *   same Variable_name / Value columns.
 *
 * Pure: string in, string out. Nothing inside a string literal or a comment is touched, and nothing
 * else in a statement changes.
 */
import { identName, significant, sqlIdent, sqlString, tokenize, type Token } from './mysql-lexer.js';
import { topologyTable } from './mysql-topology.js';

export interface EmulationContext {
  clusterId: string;
  instanceId: string;
  role: 'writer' | 'reader';
  /** Aurora MySQL's version, e.g. '3.08.2'. */
  auroraVersion: string;
}

/** Keywords that end a select list at their nesting level. */
const CLAUSE_END = new Set(['from', 'where', 'into', 'group', 'having', 'order', 'limit', 'union', 'window', 'for', 'lock', 'except', 'intersect', 'set', 'values', 'procedure']);
const SELECT_MODIFIERS = new Set(['select', 'distinct', 'all', 'distinctrow', 'high_priority', 'straight_join', 'sql_small_result', 'sql_big_result', 'sql_buffer_result', 'sql_cache', 'sql_no_cache', 'sql_calc_found_rows']);

export function rewrite(sql: string, ctx: EmulationContext): string {
  // Most statements have none of what is rewritten: those are not even tokenized.
  if (!/@@|replica_host_status|show/i.test(sql)) return sql;
  const tokens = tokenize(sql);
  const shown = showVariables(tokens, ctx);
  if (shown !== undefined) return shown;
  const sig = significant(tokens);
  const out = tokens.map((t) => t.text);
  const listing: boolean[] = [false];
  for (let k = 0; k < sig.length; k++) {
    const i = sig[k]!;
    const t = tokens[i]!;
    if (t.type === 'punct' && t.text === '(') listing.push(false);
    else if (t.type === 'punct' && t.text === ')') listing.length > 1 && listing.pop();
    else if (t.type === 'word') {
      const w = t.text.toLowerCase();
      if (w === 'select') listing[listing.length - 1] = true;
      else if (CLAUSE_END.has(w)) listing[listing.length - 1] = false;
      if (w === 'information_schema') replicaHostStatus(tokens, sig, k, out, ctx);
    } else if (t.type === 'quoted' && identName(t) === 'information_schema') {
      replicaHostStatus(tokens, sig, k, out, ctx);
    } else if (t.type === 'sysvar') {
      const value = sysvarValue(t.text, ctx);
      if (value === undefined) continue;
      const bare = listing[listing.length - 1] && isBareItem(tokens[sig[k - 1]!], tokens[sig[k + 1]!]);
      out[i] = bare ? `${value} AS ${sqlIdent(t.text)}` : value;
    }
  }
  return out.join('');
}

function sysvarValue(text: string, ctx: EmulationContext): string | undefined {
  const m = /^@@(?:(?:global|session|local)\.)?([a-z0-9_$]+)$/i.exec(text);
  switch (m?.[1]!.toLowerCase()) {
    case 'aurora_server_id':
      return sqlString(ctx.instanceId);
    case 'aurora_version':
      return sqlString(ctx.auroraVersion);
    case 'innodb_read_only':
      return ctx.role === 'reader' ? '1' : '0';
    default:
      return undefined;
  }
}

/** A select item that is the variable alone: after SELECT (or a modifier) or a comma, before a comma or the list's end. */
function isBareItem(prev: Token | undefined, next: Token | undefined): boolean {
  const before = prev !== undefined && ((prev.type === 'punct' && prev.text === ',') || (prev.type === 'word' && SELECT_MODIFIERS.has(prev.text.toLowerCase())));
  const after = next === undefined || (next.type === 'punct' && [',', ')', ';'].includes(next.text)) || (next.type === 'word' && CLAUSE_END.has(next.text.toLowerCase()));
  return before && after;
}

/** information_schema . replica_host_status at sig[k]: the cluster's own table instead. */
function replicaHostStatus(tokens: Token[], sig: number[], k: number, out: string[], ctx: EmulationContext): void {
  const dot = tokens[sig[k + 1]!];
  const table = tokens[sig[k + 2]!];
  if (dot?.type !== 'punct' || dot.text !== '.' || identName(table) !== 'replica_host_status') return;
  for (let i = sig[k]!; i <= sig[k + 2]!; i++) out[i] = '';
  out[sig[k]!] = topologyTable(ctx.clusterId);
}

/** SHOW [GLOBAL|SESSION|LOCAL] VARIABLES LIKE 'aurora_version' | 'aurora_server_id', as a SELECT. */
function showVariables(tokens: Token[], ctx: EmulationContext): string | undefined {
  const sig = significant(tokens).map((i) => tokens[i]!);
  if (sig.at(-1)?.type === 'punct' && sig.at(-1)!.text === ';') sig.pop();
  const words = sig.map((t) => (t.type === 'word' ? t.text.toLowerCase() : undefined));
  if (words[0] !== 'show') return undefined;
  const at = ['global', 'session', 'local'].includes(words[1] ?? '') ? 2 : 1;
  if (words[at] !== 'variables' || words[at + 1] !== 'like' || sig.length !== at + 3) return undefined;
  const pattern = sig[at + 2]!;
  if (pattern.type !== 'string') return undefined;
  const name = pattern.text.slice(1, -1).toLowerCase();
  const value = name === 'aurora_version' || name === 'aurora_server_id' ? sysvarValue(`@@${name}`, ctx) : undefined;
  if (value === undefined) return undefined;
  return `SELECT ${sqlString(name)} AS Variable_name, ${value} AS Value`;
}
