/**
 * One table, one entry per resource type a lab can create: how to describe it by id, how to delete it,
 * how to know it is gone, which errors mean "busy, try again" and which mean "already exists".
 * Teardown deletes through it, and the runner adopts through it (a resumed create that finds its
 * resource already there, tagged with the run's id, takes the Describe result as the create's output).
 */
import type { AwsClients } from '../../aws/clients.js';
import { awsErrorCode } from '../../aws/errors.js';
import type { ResourceType } from '../../labs/schema.js';
import type { Tag } from '../tags.js';

/** What teardown needs of AwsClients (a recording wrapper stands in for it). */
export type AwsSender = Pick<AwsClients, 'send' | 'wait'>;

export interface ResourceTypeSpec {
  service: 'rds' | 'ec2' | 'secrets-manager' | 'iam' | 'cloudwatch' | 'logs';
  describe: {
    operation: string;
    input(id: string): Record<string, unknown>;
    /** The output member that lists the matches; undefined: the output is the item (DescribeSecret). */
    list?: string;
    /** The output member that is the item (GetRole: Role), where there is no list. */
    item?: string;
    /** The match among the listed items, where the Describe filters by prefix (DescribeLogGroups). */
    pick?(items: Record<string, unknown>[], id: string): Record<string, unknown> | undefined;
  };
  /** Tags read by another call, for types whose Describe carries none (alarms, log groups). */
  tags?(clients: AwsSender, item: Record<string, unknown>, region: string, signal?: AbortSignal): Promise<Tag[]>;
  /** A described item that is as good as gone (a secret scheduled for deletion). */
  gone?(item: Record<string, unknown>): boolean;
  /** Status of a described item; types without one (groups) exist or do not. */
  status(item: Record<string, unknown>): string | undefined;
  arn(item: Record<string, unknown>): string | undefined;
  /** Tags carried in the Describe output; undefined means "ask ListTagsForResource by ARN". */
  inlineTags(item: Record<string, unknown>): Tag[] | undefined;
  /** Error codes meaning "no such resource": it is gone. */
  notFound: string[];
  delete: { operation: string; input(id: string, item: Record<string, unknown>): Record<string, unknown> };
  /** The SDK waiter that confirms deletion, where the SDK has one; otherwise teardown polls the Describe. */
  waiter?: { name: string; input(id: string): Record<string, unknown> };
  /** Error codes meaning "not now": another operation runs, a dependant still exists. */
  busy: string[];
  /** The member the create call's output holds the resource in (undefined: security groups, see asCreateOutput). */
  createKey?: string;
  /** The create call's output made from a described item, where it is not { [createKey]: item }. */
  createOutput?(item: Record<string, unknown>): Record<string, unknown>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const tagList = (item: Record<string, unknown>): Tag[] | undefined => (Array.isArray(item.TagList) ? (item.TagList as Tag[]) : undefined);

/** Statuses in which a resource is already on its way out: teardown only waits for it. */
export const GOING_STATUSES = new Set(['deleting']);

export const RESOURCE_SPECS: Record<ResourceType, ResourceTypeSpec> = {
  'global-cluster': {
    service: 'rds',
    describe: { operation: 'DescribeGlobalClusters', input: (id) => ({ GlobalClusterIdentifier: id }), list: 'GlobalClusters' },
    status: (x) => str(x.Status),
    arn: (x) => str(x.GlobalClusterArn),
    inlineTags: tagList,
    notFound: ['GlobalClusterNotFoundFault'],
    delete: { operation: 'DeleteGlobalCluster', input: (id) => ({ GlobalClusterIdentifier: id }) },
    busy: ['InvalidGlobalClusterStateFault', 'InvalidDBClusterStateFault'],
    createKey: 'GlobalCluster',
  },
  'db-cluster': {
    service: 'rds',
    describe: { operation: 'DescribeDBClusters', input: (id) => ({ DBClusterIdentifier: id }), list: 'DBClusters' },
    status: (x) => str(x.Status),
    arn: (x) => str(x.DBClusterArn),
    inlineTags: tagList,
    notFound: ['DBClusterNotFoundFault'],
    delete: {
      operation: 'DeleteDBCluster',
      input: (id) => ({ DBClusterIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true }),
    },
    waiter: { name: 'DBClusterDeleted', input: (id) => ({ DBClusterIdentifier: id }) },
    busy: ['InvalidDBClusterStateFault', 'InvalidDBInstanceStateFault', 'InvalidGlobalClusterStateFault'],
    createKey: 'DBCluster',
  },
  'db-instance': {
    service: 'rds',
    describe: { operation: 'DescribeDBInstances', input: (id) => ({ DBInstanceIdentifier: id }), list: 'DBInstances' },
    status: (x) => str(x.DBInstanceStatus),
    arn: (x) => str(x.DBInstanceArn),
    inlineTags: tagList,
    notFound: ['DBInstanceNotFound', 'DBInstanceNotFoundFault'],
    delete: {
      operation: 'DeleteDBInstance',
      // Members of an Aurora cluster take no final-snapshot options: their data belongs to the cluster.
      input: (id, item) =>
        str(item.DBClusterIdentifier)
          ? { DBInstanceIdentifier: id }
          : { DBInstanceIdentifier: id, SkipFinalSnapshot: true, DeleteAutomatedBackups: true },
    },
    waiter: { name: 'DBInstanceDeleted', input: (id) => ({ DBInstanceIdentifier: id }) },
    busy: ['InvalidDBInstanceState', 'InvalidDBInstanceStateFault', 'InvalidDBClusterStateFault'],
    createKey: 'DBInstance',
  },
  'db-cluster-snapshot': {
    service: 'rds',
    describe: {
      operation: 'DescribeDBClusterSnapshots',
      input: (id) => ({ DBClusterSnapshotIdentifier: id }),
      list: 'DBClusterSnapshots',
    },
    status: (x) => str(x.Status),
    arn: (x) => str(x.DBClusterSnapshotArn),
    inlineTags: tagList,
    notFound: ['DBClusterSnapshotNotFoundFault'],
    delete: { operation: 'DeleteDBClusterSnapshot', input: (id) => ({ DBClusterSnapshotIdentifier: id }) },
    waiter: { name: 'DBClusterSnapshotDeleted', input: (id) => ({ DBClusterSnapshotIdentifier: id }) },
    busy: ['InvalidDBClusterSnapshotStateFault'],
    createKey: 'DBClusterSnapshot',
  },
  'db-snapshot': {
    service: 'rds',
    describe: { operation: 'DescribeDBSnapshots', input: (id) => ({ DBSnapshotIdentifier: id }), list: 'DBSnapshots' },
    status: (x) => str(x.Status),
    arn: (x) => str(x.DBSnapshotArn),
    inlineTags: tagList,
    notFound: ['DBSnapshotNotFound', 'DBSnapshotNotFoundFault'],
    delete: { operation: 'DeleteDBSnapshot', input: (id) => ({ DBSnapshotIdentifier: id }) },
    waiter: { name: 'DBSnapshotDeleted', input: (id) => ({ DBSnapshotIdentifier: id }) },
    busy: ['InvalidDBSnapshotState', 'InvalidDBSnapshotStateFault'],
    createKey: 'DBSnapshot',
  },
  'db-subnet-group': {
    service: 'rds',
    describe: { operation: 'DescribeDBSubnetGroups', input: (id) => ({ DBSubnetGroupName: id }), list: 'DBSubnetGroups' },
    status: (x) => str(x.SubnetGroupStatus),
    arn: (x) => str(x.DBSubnetGroupArn),
    inlineTags: tagList,
    notFound: ['DBSubnetGroupNotFoundFault'],
    delete: { operation: 'DeleteDBSubnetGroup', input: (id) => ({ DBSubnetGroupName: id }) },
    busy: ['InvalidDBSubnetGroupStateFault', 'InvalidDBSubnetStateFault'],
    createKey: 'DBSubnetGroup',
  },
  'db-cluster-parameter-group': {
    service: 'rds',
    describe: {
      operation: 'DescribeDBClusterParameterGroups',
      input: (id) => ({ DBClusterParameterGroupName: id }),
      list: 'DBClusterParameterGroups',
    },
    status: () => undefined,
    arn: (x) => str(x.DBClusterParameterGroupArn),
    inlineTags: tagList,
    // RDS answers a missing cluster parameter group with the instance group's code.
    notFound: ['DBParameterGroupNotFound', 'DBParameterGroupNotFoundFault', 'DBClusterParameterGroupNotFoundFault'],
    delete: { operation: 'DeleteDBClusterParameterGroup', input: (id) => ({ DBClusterParameterGroupName: id }) },
    busy: ['InvalidDBParameterGroupState', 'InvalidDBParameterGroupStateFault'],
    createKey: 'DBClusterParameterGroup',
  },
  'db-parameter-group': {
    service: 'rds',
    describe: { operation: 'DescribeDBParameterGroups', input: (id) => ({ DBParameterGroupName: id }), list: 'DBParameterGroups' },
    status: () => undefined,
    arn: (x) => str(x.DBParameterGroupArn),
    inlineTags: tagList,
    notFound: ['DBParameterGroupNotFound', 'DBParameterGroupNotFoundFault'],
    delete: { operation: 'DeleteDBParameterGroup', input: (id) => ({ DBParameterGroupName: id }) },
    busy: ['InvalidDBParameterGroupState', 'InvalidDBParameterGroupStateFault'],
    createKey: 'DBParameterGroup',
  },
  'security-group': {
    service: 'ec2',
    describe: {
      operation: 'DescribeSecurityGroups',
      // A record made before the create returned may hold the group's name rather than its id.
      input: (id) => (id.startsWith('sg-') ? { GroupIds: [id] } : { Filters: [{ Name: 'group-name', Values: [id] }] }),
      list: 'SecurityGroups',
    },
    status: () => undefined,
    arn: (x) => str(x.SecurityGroupArn),
    inlineTags: (x) => (Array.isArray(x.Tags) ? (x.Tags as Tag[]) : []),
    notFound: ['InvalidGroup.NotFound', 'InvalidGroupId.NotFound'],
    delete: { operation: 'DeleteSecurityGroup', input: (id, item) => ({ GroupId: str(item.GroupId) ?? id }) },
    busy: ['DependencyViolation', 'InvalidGroup.InUse'],
  },
  secret: {
    service: 'secrets-manager',
    describe: { operation: 'DescribeSecret', input: (id) => ({ SecretId: id }) },
    // DeleteSecret with ForceDeleteWithoutRecovery is asynchronous: DeletedDate shows it is on its way out.
    gone: (x) => x.DeletedDate !== undefined && x.DeletedDate !== null,
    status: () => undefined,
    arn: (x) => str(x.ARN),
    inlineTags: (x) => (Array.isArray(x.Tags) ? (x.Tags as Tag[]) : []),
    notFound: ['ResourceNotFoundException'],
    // No recovery window: a lab's secret has nothing worth keeping for 7-30 days, and a pending one keeps its name taken.
    delete: { operation: 'DeleteSecret', input: (id, item) => ({ SecretId: str(item.ARN) ?? id, ForceDeleteWithoutRecovery: true }) },
    busy: [],
    createOutput: (x) => ({ ARN: x.ARN, Name: x.Name }),
  },
  'iam-role': {
    service: 'iam',
    describe: { operation: 'GetRole', input: (id) => ({ RoleName: id }), item: 'Role' },
    status: () => undefined,
    arn: (x) => str(x.Arn),
    inlineTags: (x) => (Array.isArray(x.Tags) ? (x.Tags as Tag[]) : []),
    notFound: ['NoSuchEntity', 'NoSuchEntityException'],
    delete: { operation: 'DeleteRole', input: (id) => ({ RoleName: id }) },
    // Policies still attached (teardown detaches them first; one attached meanwhile is retried).
    busy: ['DeleteConflict', 'DeleteConflictException'],
    createKey: 'Role',
  },
  'cloudwatch-alarm': {
    service: 'cloudwatch',
    describe: { operation: 'DescribeAlarms', input: (id) => ({ AlarmNames: [id] }), list: 'MetricAlarms' },
    status: () => undefined,
    arn: (x) => str(x.AlarmArn),
    inlineTags: () => undefined,
    tags: async (clients, item, region, signal) => {
      const out = await clients.send('cloudwatch', 'ListTagsForResource', { ResourceARN: str(item.AlarmArn) }, { region, signal });
      return Array.isArray(out.Tags) ? (out.Tags as Tag[]) : [];
    },
    notFound: ['ResourceNotFound', 'ResourceNotFoundException'],
    delete: { operation: 'DeleteAlarms', input: (id) => ({ AlarmNames: [id] }) },
    busy: [],
    // PutMetricAlarm answers nothing: adopting needs no output.
    createOutput: () => ({}),
  },
  'log-group': {
    service: 'logs',
    describe: {
      operation: 'DescribeLogGroups',
      input: (id) => ({ logGroupNamePrefix: id }),
      list: 'logGroups',
      pick: (items, id) => items.find((x) => x.logGroupName === id),
    },
    status: () => undefined,
    arn: (x) => str(x.logGroupArn),
    inlineTags: () => undefined,
    tags: async (clients, item, region, signal) => {
      const out = await clients.send('logs', 'ListTagsForResource', { resourceArn: str(item.logGroupArn) }, { region, signal });
      const tags = (out.tags ?? {}) as Record<string, string>;
      return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
    },
    notFound: ['ResourceNotFoundException'],
    delete: { operation: 'DeleteLogGroup', input: (id) => ({ logGroupName: id }) },
    busy: ['OperationAbortedException'],
    createOutput: () => ({}),
  },
};

/** Error codes a create call returns when the resource is already there (wire codes and SDK class names). */
export const ALREADY_EXISTS_CODES: Record<ResourceType, string[]> = {
  'global-cluster': ['GlobalClusterAlreadyExistsFault'],
  'db-cluster': ['DBClusterAlreadyExistsFault'],
  'db-instance': ['DBInstanceAlreadyExists', 'DBInstanceAlreadyExistsFault'],
  'db-cluster-snapshot': ['DBClusterSnapshotAlreadyExistsFault'],
  'db-snapshot': ['DBSnapshotAlreadyExists', 'DBSnapshotAlreadyExistsFault'],
  'db-subnet-group': ['DBSubnetGroupAlreadyExists', 'DBSubnetGroupAlreadyExistsFault'],
  'db-cluster-parameter-group': ['DBParameterGroupAlreadyExists', 'DBParameterGroupAlreadyExistsFault'],
  'db-parameter-group': ['DBParameterGroupAlreadyExists', 'DBParameterGroupAlreadyExistsFault'],
  'security-group': ['InvalidGroup.Duplicate'],
  secret: ['ResourceExistsException'],
  'iam-role': ['EntityAlreadyExists', 'EntityAlreadyExistsException'],
  // PutMetricAlarm overwrites an alarm of the same name: there is no "already exists".
  'cloudwatch-alarm': [],
  'log-group': ['ResourceAlreadyExistsException'],
};

/** Does the error carry one of these AWS codes? */
export function hasCode(err: unknown, codes: readonly string[]): boolean {
  const code = awsErrorCode(err);
  return code !== undefined && codes.includes(code);
}

export const isNotFound = (type: ResourceType, err: unknown): boolean => hasCode(err, RESOURCE_SPECS[type].notFound);
export const isBusy = (type: ResourceType, err: unknown): boolean => hasCode(err, RESOURCE_SPECS[type].busy);
export const isAlreadyExists = (type: ResourceType, err: unknown): boolean => hasCode(err, ALREADY_EXISTS_CODES[type]);

/**
 * Map a Describe result ({DBClusters: [x]}, or the item x itself) to the output the create call
 * returns ({DBCluster: x}): the runner adopts a resource a resumed create finds already there with it.
 */
export function asCreateOutput(type: ResourceType, describeOutput: Record<string, unknown>): Record<string, unknown> {
  const spec = RESOURCE_SPECS[type];
  const list = spec.describe.list === undefined ? undefined : describeOutput[spec.describe.list];
  const nested = spec.describe.item === undefined ? undefined : (describeOutput[spec.describe.item] as Record<string, unknown> | undefined);
  const item = Array.isArray(list) ? ((list[0] as Record<string, unknown> | undefined) ?? {}) : (nested ?? describeOutput);
  if (spec.createOutput) return spec.createOutput(item);
  const key = spec.createKey;
  if (key) return { [key]: item };
  // CreateSecurityGroup answers with the group's id, ARN and tags only.
  return {
    GroupId: item.GroupId,
    ...(item.SecurityGroupArn !== undefined ? { SecurityGroupArn: item.SecurityGroupArn } : {}),
    ...(item.Tags !== undefined ? { Tags: item.Tags } : {}),
  };
}

export interface DescribedResource {
  exists: boolean;
  status?: string;
  tags: Tag[];
  raw?: Record<string, unknown>;
  createOutput?: Record<string, unknown>;
}

/**
 * Describe one resource by id. NotFound means gone (exists: false); any other error is thrown.
 * A resource in 'deleting' exists, with that status: the caller treats it as going.
 */
export async function describeResource(clients: AwsSender, type: ResourceType, id: string, region: string, signal?: AbortSignal): Promise<DescribedResource> {
  const spec = RESOURCE_SPECS[type];
  let out: Record<string, unknown>;
  try {
    out = await clients.send(spec.service, spec.describe.operation, spec.describe.input(id), { region, signal });
  } catch (err) {
    if (isNotFound(type, err)) return { exists: false, tags: [] };
    throw err;
  }
  const list = spec.describe.list === undefined ? [spec.describe.item === undefined ? out : out[spec.describe.item]] : out[spec.describe.list];
  const items = Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
  const item = spec.describe.pick ? spec.describe.pick(items, id) : items[0];
  if (!item || spec.gone?.(item)) return { exists: false, tags: [] };
  let tags = spec.inlineTags(item);
  if (!tags && spec.tags) {
    try {
      tags = await spec.tags(clients, item, region, signal);
    } catch (err) {
      if (isNotFound(type, err)) return { exists: false, tags: [] };
      throw err;
    }
  }
  if (!tags) {
    const arn = spec.arn(item);
    tags = [];
    if (arn) {
      try {
        const t = await clients.send('rds', 'ListTagsForResource', { ResourceName: arn }, { region: regionOfArn(arn) ?? region, signal });
        tags = Array.isArray(t.TagList) ? (t.TagList as Tag[]) : [];
      } catch (err) {
        // Deleted between the Describe and the tag lookup: gone after all.
        if (isNotFound(type, err) || hasCode(err, ['DBClusterNotFoundFault', 'DBInstanceNotFound', 'DBInstanceNotFoundFault'])) {
          return { exists: false, tags: [] };
        }
        throw err;
      }
    }
  }
  return { exists: true, status: spec.status(item), tags, raw: item, createOutput: asCreateOutput(type, item) };
}

/** arn:aws:rds:us-west-2:123456789012:cluster:x -> us-west-2 (undefined for global ARNs, which have no region). */
export function regionOfArn(arn: string): string | undefined {
  const region = arn.split(':')[3];
  return region ? region : undefined;
}

/** arn:aws:rds:us-west-2:123456789012:cluster:x -> x */
export function resourceIdOfArn(arn: string): string {
  const parts = arn.split(':');
  return parts.slice(6).join(':') || arn;
}
