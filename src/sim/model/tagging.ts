/**
 * The Resource Groups Tagging API (GetResources). Like the real one it lags: a deleted resource is still
 * listed for `delays.taggingLag` ms, which is why teardown confirms with a Describe before acting.
 */
import { invalidValue } from './errors.js';
import { sgArn } from './ec2.js';
import { strList } from './input.js';
import type { Handler, Input } from './runtime.js';
import type { Tag } from './state.js';

interface Listed {
  arn: string;
  type: string;
  tags: Tag[];
}

const TYPES = ['rds:cluster', 'rds:db', 'rds:cluster-snapshot', 'rds:snapshot', 'rds:global-cluster', 'ec2:security-group', 'secretsmanager:secret'];

function typeMatches(type: string, wanted: string[]): boolean {
  return wanted.length === 0 || wanted.some((w) => w === type || w === type.split(':')[0]);
}

export const taggingHandlers: Record<string, Handler> = {
  GetResources(rt, input, region) {
    const wanted = strList(input, 'ResourceTypeFilters');
    for (const w of wanted) if (!TYPES.includes(w) && !['rds', 'ec2', 'secretsmanager'].includes(w)) invalidValue(`Unsupported resource type: ${w}`);
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
      ...s.tombstones
        .filter((t) => t.region === region || t.resourceType === 'rds:global-cluster')
        .map((t) => ({ arn: t.arn, type: t.resourceType, tags: t.tags })),
    ];
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
    return {
      ResourceTagMappingList: matching.map((r) => ({ ResourceARN: r.arn, Tags: r.tags.map((t) => ({ Key: t.Key, Value: t.Value })) })),
      PaginationToken: '',
    };
  },
};
