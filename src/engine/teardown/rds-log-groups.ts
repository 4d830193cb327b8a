/**
 * The log groups RDS itself makes for a cluster's exported logs, /aws/rds/cluster/<id>/<type>: RDS
 * creates them untagged on the first export and AWS keeps them after the cluster is deleted. A lab
 * that exports a log makes that group itself first, tagged, so that its teardown can delete it (the
 * monitoring lab's log-group step); RDSOSMetrics is the account's, shared by every monitored instance,
 * and no run deletes it. `teardown --all` keeps that rule: it deletes a cluster's log groups only when
 * they carry a run's tag, and reports the untagged ones of a run's clusters as left alone, so that the
 * learner sees them (and can delete them with `aws logs delete-log-group`).
 */
import { isNotFound, type AwsSender } from './resource-types.js';
import { TAG_RUN_ID } from '../tags.js';

export interface LeftAlone {
  type: 'log-group';
  id: string;
  region: string;
  /** The run whose cluster the group belongs to. */
  runId: string;
  reason: string;
}

/** Untagged /aws/rds/cluster/<id>/... groups of the given clusters (their run's tag on none of them). */
export async function untaggedClusterLogGroups(clients: AwsSender, clusters: { runId: string; id: string; region: string }[], signal?: AbortSignal): Promise<LeftAlone[]> {
  const out: LeftAlone[] = [];
  for (const c of clusters) {
    let token: string | undefined;
    for (let page = 0; page < 100; page++) {
      const res = await clients.send('logs', 'DescribeLogGroups', { logGroupNamePrefix: `/aws/rds/cluster/${c.id}/`, ...(token ? { nextToken: token } : {}) }, { region: c.region, signal });
      for (const g of (res.logGroups as { logGroupName?: string; logGroupArn?: string }[] | undefined) ?? []) {
        if (!g.logGroupName || !g.logGroupArn) continue;
        let tags: Record<string, string>;
        try {
          const t = await clients.send('logs', 'ListTagsForResource', { resourceArn: g.logGroupArn }, { region: c.region, signal });
          tags = (t.tags ?? {}) as Record<string, string>;
        } catch (err) {
          if (isNotFound('log-group', err)) continue; // deleted meanwhile
          throw err;
        }
        if (tags[TAG_RUN_ID] !== undefined) continue; // a run's own group: found through the tagging API
        out.push({ type: 'log-group', id: g.logGroupName, region: c.region, runId: c.runId, reason: 'made by RDS for the cluster\'s log exports, not tagged by aurora-lab: left alone' });
      }
      token = typeof res.nextToken === 'string' && res.nextToken ? res.nextToken : undefined;
      if (!token) break;
    }
  }
  return out;
}
