/**
 * db.wait_event and db.wait_event_type for the local PI: what the sessions running a statement were
 * waiting on when a read caught them (pg_stat_activity's wait_event, MySQL's events_waits_current,
 * CPU when nothing). As PI samples sessions, a statement's load in a sample is split over the waits
 * its sessions were seen in at that read. Load of statements no read caught running (a lookup that
 * took 0.1 ms between two reads) has no observed wait: it counts in the total only, never guessed.
 */
import { waitOfKey, type PiSample, type SampledStatement } from './pi-sampler.js';

export const WAIT_GROUPS = new Set(['db.wait_event', 'db.wait_event_type']);

export interface GroupPart {
  id: string;
  dimensions: Record<string, string>;
  ms: number;
}

export function waitParts(s: PiSample, groupBy: string, statement: (key: string) => SampledStatement | undefined): GroupPart[] {
  if (!s.waits) return [];
  // A MySQL statement seen running under a provisional key and counted under its digest: one statement.
  const canon = (key: string) => statement(key)?.key ?? key;
  const loadOf = new Map<string, number>();
  for (const [key, ms] of s.load) loadOf.set(canon(key), (loadOf.get(canon(key)) ?? 0) + ms);
  const seen = new Map<string, Map<string, number>>();
  for (const [key, byWait] of s.waits) {
    const into = seen.get(canon(key)) ?? new Map<string, number>();
    for (const [w, count] of byWait) into.set(w, (into.get(w) ?? 0) + count);
    seen.set(canon(key), into);
  }
  const parts: GroupPart[] = [];
  for (const [key, byWait] of seen) {
    const ms = loadOf.get(key) ?? 0;
    if (ms <= 0) continue;
    let sessions = 0;
    for (const c of byWait.values()) sessions += c;
    for (const [w, count] of byWait) {
      const { type, name } = waitOfKey(w);
      const dimensions: Record<string, string> =
        groupBy === 'db.wait_event' ? { 'db.wait_event.type': type, 'db.wait_event.name': name } : { 'db.wait_event_type.name': type };
      parts.push({ id: groupBy === 'db.wait_event' ? w : type, dimensions, ms: (ms * count) / sessions });
    }
  }
  return parts;
}
