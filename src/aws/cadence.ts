/**
 * How often the waits ask AWS, per kind of wait. The SDK's RDS waiters default to a first delay of
 * 30 s with exponential backoff (jittered, capped at 1800 s), so an instance that is ready after 9
 * minutes is often seen one to three minutes late, several times a lab. RDS allows each account 12
 * requests a second sustained (300 in a burst) per Region, shared with the console and every other
 * tool: one Describe every 10 s per resource is 0.1 request/s, and the most any lab polls at once
 * (three instances) is 0.3/s, under 3 % of that limit. Every wait keeps its own maximum.
 */
export interface Cadence {
  minDelaySeconds: number;
  maxDelaySeconds: number;
  why: string;
}

/** Creations, restores, snapshots, deletions: minutes long, so a poll every 10 s notices within 2 % of the wait. */
export const SLOW_CHANGE: Cadence = {
  minDelaySeconds: 10,
  maxDelaySeconds: 10,
  why: 'takes minutes (creation, restore, snapshot, deletion): at most 10 s late, 6 Describe calls a minute per resource',
};

/** The SDK waiters the labs and the teardown use, and the cadence each polls at on AWS. */
export const WAITER_CADENCE: Record<string, Cadence> = {
  DBInstanceAvailable: SLOW_CHANGE,
  DBClusterAvailable: SLOW_CHANGE,
  DBSnapshotAvailable: SLOW_CHANGE,
  DBClusterSnapshotAvailable: SLOW_CHANGE,
  DBInstanceDeleted: SLOW_CHANGE,
  DBClusterDeleted: SLOW_CHANGE,
  DBSnapshotDeleted: SLOW_CHANGE,
  DBClusterSnapshotDeleted: SLOW_CHANGE,
};

export function waiterCadence(waiter: string): Cadence {
  return WAITER_CADENCE[waiter] ?? SLOW_CHANGE;
}

// The labs' poll steps state their own intervalSeconds (failover 2 s, switchover and setting changes
// 10 s, CloudWatch 30 s): the README's cadence table gives each its reason.

/** Teardown retries a busy resource and waits for deletions at the same cadence as the creations. */
export const TEARDOWN_CADENCE = { min: SLOW_CHANGE.minDelaySeconds, max: SLOW_CHANGE.maxDelaySeconds };
