/**
 * The Resource Groups Tagging API (GetResources). Like the real one it lags: a deleted resource is still
 * listed for `delays.taggingLag` ms, which is why teardown confirms with a Describe before acting.
 * It pages as AWS pages (ResourcesPerPage 1-100, an opaque PaginationToken), and it lists no IAM roles:
 * "The GetResources operation does not currently support IAM users and roles" (Tagging API reference,
 * supported services), so a filter for them simply finds nothing, as on AWS.
 */
import { fail, invalidValue } from './errors.js';
import { sgArn } from './ec2.js';
import { optNum, optStr, strList } from './input.js';
import type { Handler, Input } from './runtime.js';
import type { Tag } from './state.js';
import { pageToken, tokenOffset } from './paging.js';

interface Listed {
  arn: string;
  type: string;
  tags: Tag[];
}

const TYPES = [
  'rds:cluster',
  'rds:db',
  'rds:cluster-snapshot',
  'rds:snapshot',
  'rds:global-cluster',
  'ec2:security-group',
  'secretsmanager:secret',
  'cloudwatch:alarm',
  'logs:log-group',
  // Accepted, never listed (see above).
  'iam:role',
];
const SERVICES = new Set(TYPES.map((t) => t.split(':')[0]!));

function typeMatches(type: string, wanted: string[]): boolean {
  return wanted.length === 0 || wanted.some((w) => w === type || w === type.split(':')[0]);
}

/** The offset a PaginationToken stands for; a token this model did not issue is refused. */
function readToken(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const at = tokenOffset(value, 'GetResources');
  if (at === undefined) fail('InvalidParameterException', 'The specified pagination token is invalid.');
  return at;
}

export const taggingHandlers: Record<string, Handler> = {
  GetResources(rt, input, region) {
    const wanted = strList(input, 'ResourceTypeFilters');
    for (const w of wanted) if (!TYPES.includes(w) && !SERVICES.has(w)) invalidValue(`Unsupported resource type: ${w}`);
    const perPage = optNum(input, 'ResourcesPerPage') ?? 50;
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) fail('InvalidParameterException', 'ResourcesPerPage must be between 1 and 100.');
    const start = readToken(optStr(input, 'PaginationToken'));
    const arnList = strList(input, 'ResourceARNList');
    const tagFilters = Array.isArray(input['TagFilters']) ? (input['TagFilters'] as Input[]) : [];
    const s = rt.state;
    const listed: Listed[] = [
      ...Object.values(s.clusters).filter((r) => r.region === region).map((r) => ({ arn: r.arn, type: 'rds:cluster', tags: r.tags })),
      ...Object.values(s.instances).filter((r) => r.region === region).map((r) => ({ arn: r.arn, type: 'rds:db', tags: r.tags })),
      ...Object.values(s.clusterSnapshots).filter((r) => r.region === region).map((r) => ({ arn: r.arn, type: 'rds:cluster-snapshot', tags: r.tags })),
      ...Object.values(s.dbSnapshots).filter((r) => r.region === region).map((r) => ({ arn: r.arn, type: 'rds:snapshot', tags: r.tags })),
      ...Object.values(s.globalClusters).map((r) => ({ arn: r.arn, type: 'rds:global-cluster', tags: r.tags })),
      ...Object.values(s.securityGroups)
        .filter((g) => g.region === region && !g.isDefault)
        .map((g) => ({ arn: sgArn(rt, region, g.groupId), type: 'ec2:security-group', tags: g.tags })),
      ...Object.values(s.secrets)
        .filter((x) => x.region === region)
        .map((x) => ({ arn: x.arn, type: 'secretsmanager:secret', tags: x.tags })),
      ...Object.values(s.alarms ?? {})
        .filter((a) => a.region === region)
        .map((a) => ({ arn: a.arn, type: 'cloudwatch:alarm', tags: a.tags })),
      // Listed by the group's ARN without the ":*" DescribeLogGroups' `arn` carries.
      ...Object.values(s.logGroups ?? {})
        .filter((g) => g.region === region)
        .map((g) => ({ arn: g.arn, type: 'logs:log-group', tags: Object.entries(g.tags).map(([Key, Value]) => ({ Key, Value })) })),
      ...s.tombstones
        .filter((t) => t.region === region || t.resourceType === 'rds:global-cluster')
        .map((t) => ({ arn: t.arn, type: t.resourceType, tags: t.tags })),
    ];
    // In the order of the account's records, the same from page to page while nothing changes.
    const matching = listed.filter(
      (r) =>
        r.tags.length > 0 &&
        typeMatches(r.type, wanted) &&
        (arnList.length === 0 || arnList.includes(r.arn)) &&
        tagFilters.every((f) => {
          const values = Array.isArray(f['Values']) ? (f['Values'] as string[]) : [];
          return r.tags.some((t) => t.Key === f['Key'] && (values.length === 0 || values.includes(t.Value)));
        }),
    );
    const page = matching.slice(start, start + perPage);
    const next = start + perPage < matching.length ? pageToken('GetResources', start + perPage) : '';
    return {
      ResourceTagMappingList: page.map((r) => ({ ResourceARN: r.arn, Tags: r.tags.map((t) => ({ Key: t.Key, Value: t.Value })) })),
      // AWS ends the list with an empty token.
      PaginationToken: next,
    };
  },
};
