/**
 * The refused IAM logins of the running local server, for `aurora-lab local status`: a count and the
 * last few (who, where, why; never the token), kept in $AURORA_LAB_HOME/local/iam-refusals.json.
 * The server log has every one as a `local.iam.refused` line too.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabEvent, Reporter } from '../../events.js';

export const IAM_REFUSALS = 'iam-refusals.json';
const KEEP = 10;

export interface IamRefusalRecord {
  at: string;
  region?: string;
  clusterId?: string;
  endpoint?: string;
  port?: number;
  user?: string;
  reason?: string;
}

export interface IamRefusalSummary {
  count: number;
  /** Oldest first. */
  recent: IamRefusalRecord[];
}

/** A reporter that passes every event on and records the refusals (the file starts empty with each server). */
export function recordIamRefusals(controlDir: string, inner: Reporter): Reporter {
  const file = join(controlDir, IAM_REFUSALS);
  rmSync(file, { force: true });
  const summary: IamRefusalSummary = { count: 0, recent: [] };
  return {
    emit(event: LabEvent): void {
      inner.emit(event);
      if (event.code !== 'local.iam.refused') return;
      const d = (event.data ?? {}) as Omit<IamRefusalRecord, 'at'>;
      summary.count++;
      summary.recent = [...summary.recent, { at: new Date().toISOString(), region: d.region, clusterId: d.clusterId, endpoint: d.endpoint, port: d.port, user: d.user, reason: d.reason }].slice(-KEEP);
      try {
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify(summary, null, 2) + '\n', { mode: 0o644 });
        renameSync(tmp, file);
      } catch {
        // status loses a line; the server log still has it
      }
    },
  };
}

export function readIamRefusals(controlDir: string): IamRefusalSummary {
  try {
    const s = JSON.parse(readFileSync(join(controlDir, IAM_REFUSALS), 'utf8')) as IamRefusalSummary;
    return Number.isInteger(s?.count) && Array.isArray(s.recent) ? s : { count: 0, recent: [] };
  } catch {
    return { count: 0, recent: [] };
  }
}
