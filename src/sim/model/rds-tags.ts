/** AddTagsToResource, RemoveTagsFromResource, ListTagsForResource: RDS resources by ARN. */
import { fail, invalidValue } from './errors.js';
import { parseArn } from './ids.js';
import { mergeTags, reqStr, strList, tagList, tagsOut } from './input.js';
import type { Handler, Runtime } from './runtime.js';
import type { Tag } from './state.js';

const NOT_FOUND: Record<string, string> = {
  cluster: 'DBClusterNotFoundFault',
  db: 'DBInstanceNotFound',
  'cluster-snapshot': 'DBClusterSnapshotNotFoundFault',
  snapshot: 'DBSnapshotNotFound',
  'global-cluster': 'GlobalClusterNotFoundFault',
  subgrp: 'DBSubnetGroupNotFoundFault',
  'cluster-pg': 'DBParameterGroupNotFound',
  pg: 'DBParameterGroupNotFound',
};

function taggable(rt: Runtime, arn: string): { tags: Tag[] } {
  const parsed = parseArn(arn);
  if (!parsed || parsed.service !== 'rds' || !NOT_FOUND[parsed.resourceType]) invalidValue(`Invalid resource name: ${arn}`);
  const s = rt.state;
  const pools: { arn: string; tags: Tag[] }[][] = [
    Object.values(s.clusters),
    Object.values(s.instances),
    Object.values(s.clusterSnapshots),
    Object.values(s.dbSnapshots),
    Object.values(s.globalClusters),
    Object.values(s.subnetGroups),
    Object.values(s.parameterGroups),
  ];
  for (const pool of pools) {
    const found = pool.find((r) => r.arn === arn);
    if (found) return found;
  }
  fail(NOT_FOUND[parsed.resourceType]!, `Resource ${arn} not found.`);
}

export const tagHandlers: Record<string, Handler> = {
  AddTagsToResource(rt, input) {
    const r = taggable(rt, reqStr(input, 'ResourceName'));
    r.tags = mergeTags(r.tags, tagList(input));
    return {};
  },

  RemoveTagsFromResource(rt, input) {
    const r = taggable(rt, reqStr(input, 'ResourceName'));
    const keys = strList(input, 'TagKeys');
    r.tags = r.tags.filter((t) => !keys.includes(t.Key));
    return {};
  },

  ListTagsForResource(rt, input) {
    return { TagList: tagsOut(taggable(rt, reqStr(input, 'ResourceName')).tags) };
  },
};
