/**
 * MariaDB's slow query log file as CloudWatch Logs events, one per logged statement: the "# Time:"
 * line (MariaDB writes it only when the second changes), "# User@Host:", "# Query_time: ...", the
 * "SET timestamp=N;" that dates it, and the statement, as Aurora MySQL's slowquery export shows them.
 */
import { readFileSync } from 'node:fs';

export function parseSlowLog(text: string): { timestamp: number; message: string }[] {
  const out: { timestamp: number; message: string }[] = [];
  let pendingTime: string | undefined;
  let current: string[] | undefined;
  const flush = () => {
    if (!current) return;
    const ts = /^SET timestamp=(\d+);/m.exec(current.join('\n'));
    if (ts) out.push({ timestamp: Number(ts[1]) * 1000, message: current.join('\n') });
    current = undefined;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('# Time:')) {
      flush();
      pendingTime = line;
    } else if (line.startsWith('# User@Host:')) {
      flush();
      current = [...(pendingTime ? [pendingTime] : []), line];
      pendingTime = undefined;
    } else if (current && line !== '') {
      current.push(line);
    }
  }
  flush();
  return out;
}

export function readSlowLog(file: string): { timestamp: number; message: string }[] {
  try {
    return parseSlowLog(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}

/** Where the applier points each server's slow log: beside its data directory's files. */
export function slowLogFile(dataDir: string): string {
  return `${dataDir.replace(/\/$/, '')}/aurora-slowquery.log`;
}
