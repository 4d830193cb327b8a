/**
 * What a probe's timeline says about writes lost by a failover that allows it (FailoverGlobalCluster
 * with AllowDataLoss): which acknowledged writes the new writer lacks is read back from the database;
 * this turns that list into the figures a learner compares with the replication lag (the recovery
 * point), and finds the first write a new writer acknowledged after a given moment.
 */
import type { Timeline } from '../../sql/timeline.js';

interface Ack {
  seq: number;
  /** When the acknowledgement arrived, ms from the probe's start. */
  at: number;
  instanceId?: string;
}

function acks(tl: Timeline): Ack[] {
  const out: Ack[] = [];
  for (const e of tl.events) {
    if (e.op !== 'write' || !e.ok || e.seq === undefined) continue;
    out.push({ seq: e.seq, at: e.t + e.latencyMs, ...(e.instanceId ? { instanceId: e.instanceId } : {}) });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

export interface LossWindow {
  /**
   * Every lost write came after (by sequence, the order the probe sent them) every kept write of the
   * writer that acknowledged it: what that writer's writes left behind is a prefix, with no hole.
   * Writes other instances acknowledged (a new writer, later) are not part of that history.
   */
  consistentPrefix: boolean;
  /** From the acknowledgement of the newest write kept to that of the newest write lost; 0 when none was lost. */
  windowMs: number;
  newestKept?: number;
}

/** `lost`: the acknowledged seqs the new writer does not have (verifyAcknowledgedWrites). */
export function lossWindow(tl: Timeline, lost: readonly number[]): LossWindow {
  const gone = new Set(lost);
  const writers = new Set(acks(tl).filter((a) => gone.has(a.seq)).map((a) => a.instanceId));
  const all = acks(tl).filter((a) => writers.size === 0 || writers.has(a.instanceId));
  const kept = all.filter((a) => !gone.has(a.seq));
  const lostAcks = all.filter((a) => gone.has(a.seq));
  const newestKept = kept.at(-1);
  if (lostAcks.length === 0) return { consistentPrefix: true, windowMs: 0, ...(newestKept ? { newestKept: newestKept.seq } : {}) };
  const firstLost = lostAcks[0]!;
  const newestLost = lostAcks.reduce((a, b) => (b.at > a.at ? b : a));
  return {
    consistentPrefix: newestKept === undefined || newestKept.seq < firstLost.seq,
    windowMs: Math.round(Math.max(0, newestLost.at - (newestKept?.at ?? firstLost.at))),
    ...(newestKept ? { newestKept: newestKept.seq } : {}),
  };
}

/** Epoch ms of the first acknowledgement after `fromEpochMs` (by `writer`, when given), or undefined. */
export function firstAckAfter(tl: Timeline, fromEpochMs: number, writer?: string): number | undefined {
  let first: number | undefined;
  for (const a of acks(tl)) {
    const at = tl.startedAt + a.at;
    if (at < fromEpochMs || (writer !== undefined && a.instanceId !== writer)) continue;
    if (first === undefined || at < first) first = at;
  }
  return first;
}
