/**
 * A PostgreSQL server's log file as CloudWatch Logs events: one event per log entry (continuation
 * lines, such as a STATEMENT's, stay with their entry), timestamped from the line's own prefix
 * (log_line_prefix '%m [%p] ', PostgreSQL's default). Lines before the first prefixed one are dropped.
 */
import { readFileSync } from 'node:fs';

const PREFIX = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?) ([A-Za-z][\w/+-]*) \[\d+\] /;

export function parsePgLog(text: string): { timestamp: number; message: string }[] {
  const out: { timestamp: number; message: string }[] = [];
  for (const line of text.split('\n')) {
    const m = PREFIX.exec(line);
    if (m) {
      // The local servers log in UTC (initdb takes the environment's zone, which is UTC here).
      const ts = Date.parse(`${m[1]}T${m[2]}Z`);
      out.push({ timestamp: Number.isNaN(ts) ? 0 : ts, message: line });
    } else if (out.length > 0 && line !== '') {
      out[out.length - 1]!.message += `\n${line}`;
    }
  }
  return out;
}

export function readPgLog(file: string): { timestamp: number; message: string }[] {
  try {
    return parsePgLog(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}
