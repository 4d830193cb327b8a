/**
 * A MySQL statement cut into tokens, just far enough for the Aurora emulation (aurora-emulation.ts) and
 * the IAM rewrite (mysql-iam.ts) to change identifiers and system variables in the code of a statement
 * and never inside a string literal or a comment. Joining the tokens' text gives the statement back
 * byte for byte (the front decodes packets as latin1, so every byte is one character).
 */

export type TokenType = 'ws' | 'comment' | 'string' | 'quoted' | 'word' | 'sysvar' | 'uservar' | 'punct';

export interface Token {
  type: TokenType;
  text: string;
}

const WORD = /[A-Za-z0-9_$\u0080-\u00ff]/;

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (type: TokenType, end: number) => {
    out.push({ type, text: sql.slice(i, end) });
    i = end;
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1] ?? '';
    if (/\s/.test(c)) {
      let j = i + 1;
      while (j < n && /\s/.test(sql[j]!)) j++;
      push('ws', j);
    } else if (c === '#' || (c === '-' && next === '-' && (i + 2 >= n || /[\s\x00-\x1f]/.test(sql[i + 2]!)))) {
      const j = sql.indexOf('\n', i);
      push('comment', j < 0 ? n : j + 1);
    } else if (c === '/' && next === '*') {
      const j = sql.indexOf('*/', i + 2);
      push('comment', j < 0 ? n : j + 2);
    } else if (c === "'" || c === '"' || c === '`') {
      push(c === '`' ? 'quoted' : 'string', quotedEnd(sql, i, c, c !== '`'));
    } else if (c === '@' && next === '@') {
      let j = i + 2;
      while (j < n && (WORD.test(sql[j]!) || (sql[j] === '.' && WORD.test(sql[j + 1] ?? '')))) j++;
      push('sysvar', j);
    } else if (c === '@') {
      let j = i + 1;
      if (sql[j] === "'" || sql[j] === '"' || sql[j] === '`') j = quotedEnd(sql, j, sql[j]!, sql[j] !== '`');
      else while (j < n && (WORD.test(sql[j]!) || sql[j] === '.')) j++;
      push('uservar', j);
    } else if (WORD.test(c)) {
      let j = i + 1;
      while (j < n && WORD.test(sql[j]!)) j++;
      push('word', j);
    } else {
      push('punct', i + 1);
    }
  }
  return out;
}

/** The end of a quoted run starting at `start`: doubled quotes, and backslash escapes in strings. */
function quotedEnd(sql: string, start: number, q: string, backslash: boolean): number {
  let j = start + 1;
  while (j < sql.length) {
    const ch = sql[j]!;
    if (backslash && ch === '\\') j += 2;
    else if (ch === q) {
      if (sql[j + 1] === q) j += 2;
      else return j + 1;
    } else j++;
  }
  return sql.length;
}

/** The name a word or `quoted` token stands for (lower case); undefined for other tokens. */
export function identName(t: Token | undefined): string | undefined {
  if (!t) return undefined;
  if (t.type === 'word') return t.text.toLowerCase();
  if (t.type === 'quoted') return t.text.slice(1, -1).replace(/``/g, '`').toLowerCase();
  return undefined;
}

/** The value of a string token ('...' or "..."), escapes undone. */
export function stringValue(t: Token): string {
  const q = t.text[0]!;
  const body = t.text.slice(1, -1);
  return body.replace(new RegExp(`\\\\(.)|${q}${q}`, 'gs'), (m, esc?: string) => (esc === undefined ? q : ESCAPES[esc] ?? esc));
}

const ESCAPES: Record<string, string> = { '0': '\0', n: '\n', r: '\r', t: '\t', b: '\b', Z: '\x1a' };

/** Indexes of the significant tokens (no whitespace, no comments). */
export function significant(tokens: Token[]): number[] {
  const idx: number[] = [];
  tokens.forEach((t, i) => t.type !== 'ws' && t.type !== 'comment' && idx.push(i));
  return idx;
}

/** A string literal for MySQL, quoted and escaped. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''").replace(/\0/g, '\\0')}'`;
}

/** An identifier for MySQL, in backticks. */
export function sqlIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
