/**
 * How long AWS takes for each transition the labs cause, for the dry run's simulated-AWS timing mode
 * (`run --dry-run --aws-timing`, or AURORA_LAB_SIM_TIMING=aws). One table, each figure with where it
 * comes from. AWS publishes few durations: where no published figure was found the value is our
 * assumption for a small, empty cluster, marked `assumed`, and the README says so. A figure here
 * changes the benchmark's critical path, never what a lab checks.
 */
export type TimedKind =
  | 'cluster-create'
  | 'instance-create'
  | 'rds-instance-create'
  | 'cluster-restore'
  | 'cluster-snapshot'
  | 'db-snapshot'
  | 'failover'
  | 'global-create'
  | 'global-secondary-create'
  | 'global-switchover'
  | 'global-failover'
  | 'global-detach'
  | 'serverless-resume'
  | 'cluster-modify'
  | 'instance-modify'
  | 'reboot'
  | 'stop'
  | 'start'
  | 'instance-delete'
  | 'cluster-delete'
  | 'snapshot-delete'
  | 'global-delete';

export interface TimingFigure {
  seconds: number;
  basis: 'documented' | 'reported' | 'assumed';
  source: string;
}

const RDS_STATUS = 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Status.html';

export const AWS_TIMINGS: Record<TimedKind, TimingFigure> = {
  'cluster-create': { seconds: 120, basis: 'assumed', source: 'no published figure; an empty cluster (storage volume and endpoints, no instance) is available in a couple of minutes' },
  'instance-create': {
    seconds: 600,
    basis: 'reported',
    source: "the labs' own guidance (8-15 minutes for an Aurora instance, counted from the cluster being available); no AWS figure",
  },
  'rds-instance-create': { seconds: 600, basis: 'assumed', source: 'no published figure; a small RDS instance with 20 GiB gp2 storage' },
  'cluster-restore': { seconds: 480, basis: 'assumed', source: `no published figure; restoring a small snapshot (status "migrating" for an RDS source, ${RDS_STATUS})` },
  'cluster-snapshot': { seconds: 180, basis: 'assumed', source: 'no published figure; a manual snapshot of a small, new cluster volume' },
  'db-snapshot': { seconds: 300, basis: 'assumed', source: 'no published figure; the first (full) snapshot of a 20 GiB RDS instance' },
  failover: {
    seconds: 35,
    basis: 'documented',
    source: 'FailoverDBCluster API reference: "Failover times are typically less than 35 seconds"; field guides report 30-60 s for Aurora',
  },
  'global-create': { seconds: 60, basis: 'assumed', source: 'no published figure; CreateGlobalCluster around an existing primary' },
  'global-secondary-create': { seconds: 900, basis: 'assumed', source: 'no published figure; a secondary cluster copies the primary volume across Regions before it is available' },
  'global-switchover': {
    seconds: 120,
    basis: 'assumed',
    source: 'AWS: a secondary is promoted "in under a minute" (Well-Architected DR labs, AWS Database Blog on managed planned failover); a switchover also waits for the secondaries to catch up',
  },
  'global-failover': { seconds: 60, basis: 'reported', source: 'AWS: "promote a secondary region to take full read-write responsibilities in under a minute" (Well-Architected DR labs)' },
  'global-detach': { seconds: 0, basis: 'assumed', source: 'no published figure; the model detaches a member at once (AWS refuses it until the global cluster is available)' },
  'serverless-resume': {
    seconds: 15,
    basis: 'documented',
    source: 'AWS Database Blog, "Introducing scaling to 0 capacity with Amazon Aurora Serverless v2": "It can take up to 15 seconds for the database to resume"',
  },
  'cluster-modify': { seconds: 60, basis: 'assumed', source: 'no published figure; a setting applied at once (IAM authentication, scaling range, Performance Insights)' },
  'instance-modify': { seconds: 600, basis: 'assumed', source: 'no published figure; an instance class change replaces the host' },
  reboot: { seconds: 60, basis: 'assumed', source: 'no published figure' },
  stop: { seconds: 300, basis: 'assumed', source: 'no published figure' },
  start: { seconds: 600, basis: 'assumed', source: 'no published figure' },
  'instance-delete': { seconds: 300, basis: 'assumed', source: 'no published figure; instances leave "deleting" in minutes' },
  'cluster-delete': { seconds: 120, basis: 'assumed', source: 'no published figure; an empty cluster once its instances are gone' },
  'snapshot-delete': { seconds: 30, basis: 'assumed', source: 'no published figure' },
  'global-delete': { seconds: 30, basis: 'assumed', source: 'no published figure; a global cluster without members' },
};

/** The RDS API's default request limits per account and Region (the cadence of the waits is set against them). */
export const RDS_API_LIMITS = {
  burst: 300,
  perSecond: 12,
  source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-api-throttling.html',
};

export function awsDurationMs(kind: TimedKind): number {
  return AWS_TIMINGS[kind].seconds * 1000;
}
