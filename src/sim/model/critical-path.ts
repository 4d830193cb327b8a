/**
 * The time AWS itself needs for a run: the longest chain of recorded transitions, each starting as
 * soon as what it depends on has finished. Transitions that do not depend on each other (three
 * instances of one cluster) overlap and count once. The difference between a run's wall time on the
 * virtual clock and this is ours: polls that notice late, work done in sequence that could overlap.
 */
import type { TimelineEntry } from './state.js';

export interface CriticalPath {
  totalMs: number;
  /** The chain itself, first to last. */
  chain: { kind: string; arn: string; durationMs: number }[];
}

export function criticalPath(timeline: readonly TimelineEntry[]): CriticalPath {
  const finish = new Map<number, number>();
  const via = new Map<number, number | undefined>();
  let last: TimelineEntry | undefined;
  // Entries only ever depend on earlier ones (`after` is recorded at scheduling time), so one pass in order suffices.
  for (const e of [...timeline].sort((a, b) => a.seq - b.seq)) {
    let start = 0;
    let from: number | undefined;
    for (const dep of e.after) {
      const f = finish.get(dep);
      if (f !== undefined && f > start) {
        start = f;
        from = dep;
      }
    }
    finish.set(e.seq, start + e.durationMs);
    via.set(e.seq, from);
    if (!last || finish.get(e.seq)! > finish.get(last.seq)!) last = e;
  }
  if (!last) return { totalMs: 0, chain: [] };
  const bySeq = new Map(timeline.map((e) => [e.seq, e]));
  const chain: CriticalPath['chain'] = [];
  for (let seq: number | undefined = last.seq; seq !== undefined; seq = via.get(seq)) {
    const e = bySeq.get(seq)!;
    chain.unshift({ kind: e.kind, arn: e.arn, durationMs: e.durationMs });
  }
  return { totalMs: finish.get(last.seq)!, chain };
}
