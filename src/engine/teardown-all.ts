/**
 * `teardown --all` and `status --all`: find every resource aurora-lab tagged in an account, in each of
 * the regions searched (see searchRegions), whether or not this machine has the run's state, confirm
 * each with a fresh Describe (the tagging API keeps listing deleted resources for a while), group them
 * by run id across regions (a global database's members are one run), and tear each group down under
 * its own run id, so the ownership check of teardownResources still holds per resource.
 */
import type { AwsClients } from '../aws/clients.js';
import { UserAbort } from '../errors.js';
import type { ResourceType } from '../labs/schema.js';
import type { ResourceRecord } from '../state/run-state.js';
import { TAG_EXPIRES_AT, TAG_LAB, TAG_RUN_ID, tagValue, type Tag } from './tags.js';
import { listRolesTagged } from './teardown/iam-roles.js';
import { untaggedClusterLogGroups, type LeftAlone } from './teardown/rds-log-groups.js';
import { describeResource, regionOfArn, RESOURCE_SPECS } from './teardown/resource-types.js';

/**
 * What the tagging API lists (its GetResources covers every type but IAM users and roles). RDS's
 * subnet and parameter groups are found by Describe, IAM roles by ListRoles (iam-roles.ts).
 */
export const TAGGING_TYPES = [
  'rds:cluster',
  'rds:db',
  'rds:cluster-snapshot',
  'rds:snapshot',
  'rds:global-cluster',
  'ec2:security-group',
  'secretsmanager:secret',
  'cloudwatch:alarm',
  'logs:log-group',
];

/** Types with no region of their own: one per id whichever region found or recorded it. */
const REGIONLESS = new Set<string>(['global-cluster', 'iam-role']);

export interface FoundResource {
  type: ResourceType;
  id: string;
  region: string;
  arn?: string;
  status?: string;
  tags: Tag[];
  /** A security group's or secret's name: a run's state records them by it (they are deleted by id / ARN). */
  name?: string;
}

export interface FoundRun {
  runId: string;
  lab?: string;
  expiresAt?: string;
  resources: FoundResource[];
}

export interface FindResult {
  runs: FoundRun[];
  /** Listed by the tagging API but gone (or going) at a fresh Describe: not acted on. */
  stale: { arn: string; reason: string }[];
  /** Resources of a found run's clusters that aurora-lab did not tag (RDS's own log groups): never deleted, reported. */
  leftAlone: LeftAlone[];
}

/** arn -> type and id; undefined for anything aurora-lab never creates. */
export function parseArn(arn: string): { type: ResourceType; id: string; region?: string } | undefined {
  const parts = arn.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return undefined;
  const service = parts[2];
  const region = regionOfArn(arn);
  if (service === 'ec2') {
    const m = /^security-group\/(.+)$/.exec(parts.slice(5).join(':'));
    return m ? { type: 'security-group', id: m[1]!, region } : undefined;
  }
  // A run-owned secret is known by its full ARN (the name alone may be another's after deletion).
  if (service === 'secretsmanager') return parts[5] === 'secret' ? { type: 'secret', id: arn, region } : undefined;
  // arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME (a name may hold colons)
  if (service === 'cloudwatch') return parts[5] === 'alarm' && parts.length > 6 ? { type: 'cloudwatch-alarm', id: parts.slice(6).join(':'), region } : undefined;
  // arn:aws:logs:REGION:ACCOUNT:log-group:NAME, with ":*" on the end where DescribeLogGroups' `arn` has it
  if (service === 'logs') return parts[5] === 'log-group' && parts.length > 6 ? { type: 'log-group', id: parts.slice(6).join(':').replace(/:\*$/, ''), region } : undefined;
  if (service !== 'rds') return undefined;
  const kind = parts[5];
  const id = parts.slice(6).join(':');
  const types: Record<string, ResourceType> = {
    cluster: 'db-cluster',
    db: 'db-instance',
    'cluster-snapshot': 'db-cluster-snapshot',
    snapshot: 'db-snapshot',
    'global-cluster': 'global-cluster',
    subgrp: 'db-subnet-group',
    'cluster-pg': 'db-cluster-parameter-group',
    pg: 'db-parameter-group',
  };
  const type = kind ? types[kind] : undefined;
  return type && id ? { type, id, region } : undefined;
}

async function listTagged(clients: AwsClients, region: string, signal?: AbortSignal): Promise<{ ResourceARN: string; Tags: Tag[] }[]> {
  const out: { ResourceARN: string; Tags: Tag[] }[] = [];
  let token: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const res = await clients.send(
      'tagging',
      'GetResources',
      { ResourceTypeFilters: TAGGING_TYPES, TagFilters: [{ Key: TAG_RUN_ID }], ...(token ? { PaginationToken: token } : {}) },
      { region, signal },
    );
    for (const m of (res.ResourceTagMappingList as { ResourceARN?: string; Tags?: Tag[] }[] | undefined) ?? []) {
      if (m.ResourceARN) out.push({ ResourceARN: m.ResourceARN, Tags: m.Tags ?? [] });
    }
    token = typeof res.PaginationToken === 'string' && res.PaginationToken ? res.PaginationToken : undefined;
    if (!token) break;
  }
  return out;
}

/** Subnet and parameter groups: listed by RDS, their tags read per group (describeResource). */
const GROUP_LISTS: { type: ResourceType; operation: string; list: string; name: string }[] = [
  { type: 'db-subnet-group', operation: 'DescribeDBSubnetGroups', list: 'DBSubnetGroups', name: 'DBSubnetGroupName' },
  { type: 'db-cluster-parameter-group', operation: 'DescribeDBClusterParameterGroups', list: 'DBClusterParameterGroups', name: 'DBClusterParameterGroupName' },
  { type: 'db-parameter-group', operation: 'DescribeDBParameterGroups', list: 'DBParameterGroups', name: 'DBParameterGroupName' },
];

async function listGroups(clients: AwsClients, region: string, signal?: AbortSignal): Promise<{ type: ResourceType; id: string }[]> {
  const found: { type: ResourceType; id: string }[] = [];
  for (const g of GROUP_LISTS) {
    let marker: string | undefined;
    for (let page = 0; page < 100; page++) {
      const res = await clients.send('rds', g.operation, marker ? { Marker: marker } : {}, { region, signal });
      for (const item of (res[g.list] as Record<string, unknown>[] | undefined) ?? []) {
        const id = item[g.name];
        // AWS's own default groups are never aurora-lab's.
        if (typeof id === 'string' && !id.startsWith('default')) found.push({ type: g.type, id });
      }
      marker = typeof res.Marker === 'string' && res.Marker ? res.Marker : undefined;
      if (!marker) break;
    }
  }
  return found;
}

/**
 * The regions to search: the given ones (the command's region, the regions local run states name, any
 * --regions), plus the region of every member of a global cluster the account has (a global cluster
 * is listed from any region; its secondaries live elsewhere). Sorted, each once.
 */
export async function searchRegions(clients: AwsClients, given: Iterable<string>, signal?: AbortSignal): Promise<string[]> {
  const regions = new Set(given);
  // Asked in the first region given (the command's): every region lists the same global clusters.
  const region = [...regions][0];
  let marker: string | undefined;
  for (let page = 0; region && page < 100; page++) {
    const res = await clients.send('rds', 'DescribeGlobalClusters', marker ? { Marker: marker } : {}, { region, signal });
    for (const g of (res.GlobalClusters as { GlobalClusterMembers?: { DBClusterArn?: string }[] }[] | undefined) ?? []) {
      for (const m of g.GlobalClusterMembers ?? []) {
        const r = m.DBClusterArn ? regionOfArn(m.DBClusterArn) : undefined;
        if (r) regions.add(r);
      }
    }
    marker = typeof res.Marker === 'string' && res.Marker ? res.Marker : undefined;
    if (!marker) break;
  }
  return [...regions].sort();
}

/**
 * Every resource in the account that carries an aurora-lab run id, in each region given, confirmed to
 * exist by a fresh Describe whose tags (not the tagging API's) decide the owner. A resource listed in
 * more than one region (a global cluster is listed everywhere) is taken once.
 */
export async function findTaggedResources(clients: AwsClients, regionOrRegions: string | string[], signal?: AbortSignal): Promise<FindResult> {
  const regions = [...new Set(Array.isArray(regionOrRegions) ? regionOrRegions : [regionOrRegions])];
  const stale: FindResult['stale'] = [];
  const candidates: { type: ResourceType; id: string; region: string; arn?: string }[] = [];
  const seen = new Set<string>();
  const add = (c: { type: ResourceType; id: string; region: string; arn?: string }) => {
    const key = REGIONLESS.has(c.type) ? `${c.type}\u0000${c.id}` : `${c.type}\u0000${c.region}\u0000${c.id}`;
    if (seen.has(key)) return;
    seen.add(key);
    candidates.push(c);
  };
  for (const region of regions) {
    for (const m of await listTagged(clients, region, signal)) {
      const parsed = parseArn(m.ResourceARN);
      if (!parsed) continue;
      add({ type: parsed.type, id: parsed.id, region: parsed.region ?? region, arn: m.ResourceARN });
    }
    for (const g of await listGroups(clients, region, signal)) add({ ...g, region });
  }
  // IAM is global: listed once, through the first region (the command's); each role's record takes
  // its run's region below.
  if (regions[0]) {
    for (const r of await listRolesTagged(clients, TAG_RUN_ID, regions[0], signal)) add({ type: 'iam-role', id: r.name, region: regions[0], ...(r.arn ? { arn: r.arn } : {}) });
  }

  const byRun = new Map<string, FoundRun>();
  for (const c of candidates) {
    if (signal?.aborted) throw new UserAbort('interrupted');
    const d = await describeResource(clients, c.type, c.id, c.region, signal);
    if (!d.exists) {
      if (c.arn) stale.push({ arn: c.arn, reason: c.type === 'iam-role' ? 'listed by IAM but gone' : 'listed by the tagging API but gone' });
      continue;
    }
    const runId = tagValue(d.tags, TAG_RUN_ID);
    if (!runId) continue; // untagged: never ours, never touched
    if (d.status === 'deleted') continue;
    // Security groups are deleted by id; the ARN carries it.
    const id = c.type === 'security-group' ? String(d.raw?.GroupId ?? c.id) : c.id;
    let run = byRun.get(runId);
    if (!run) {
      run = { runId, resources: [] };
      byRun.set(runId, run);
    }
    run.lab ??= tagValue(d.tags, TAG_LAB);
    run.expiresAt ??= tagValue(d.tags, TAG_EXPIRES_AT);
    run.resources.push({ type: c.type, id, region: c.region, arn: c.arn ?? RESOURCE_SPECS[c.type].arn(d.raw ?? {}), status: d.status, tags: d.tags, ...nameOf(c.type, d.raw) });
  }
  const runs = [...byRun.values()].sort((a, b) => a.runId.localeCompare(b.runId));
  for (const run of runs) {
    const home = runRegion(run);
    if (home) for (const r of run.resources) if (r.type === 'iam-role') r.region = home;
  }
  const clusters = runs.flatMap((run) => run.resources.filter((r) => r.type === 'db-cluster').map((r) => ({ runId: run.runId, id: r.id, region: r.region })));
  const leftAlone = await untaggedClusterLogGroups(clients, clusters, signal);
  return { runs, stale, leftAlone };
}

/** The region most of a run's regional resources are in (its clusters' region, for a role made beside them). */
function runRegion(run: FoundRun): string | undefined {
  const counts = new Map<string, number>();
  for (const r of run.resources) if (!REGIONLESS.has(r.type)) counts.set(r.region, (counts.get(r.region) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

/** Security groups are deleted by id and secrets by ARN, but a run's state knows both by name. */
function nameOf(type: ResourceType, raw: Record<string, unknown> | undefined): { name?: string } {
  const name = type === 'security-group' ? raw?.GroupName : type === 'secret' ? raw?.Name : undefined;
  return typeof name === 'string' ? { name } : {};
}

/** A run is expired when its expires-at tag is in the past; a run without one is not (never guessed). */
export function isExpired(run: Pick<FoundRun, 'expiresAt'>, now = new Date()): boolean {
  if (!run.expiresAt) return false;
  const t = Date.parse(run.expiresAt);
  return Number.isFinite(t) && t < now.getTime();
}

/** The found resources as teardown records, minus those a local state already holds (security groups and secrets by name too). */
export function recordsOf(run: FoundRun, local: ResourceRecord[] = []): ResourceRecord[] {
  const now = new Date().toISOString();
  const byName = (r: FoundResource) => r.name !== undefined && local.some((l) => l.type === r.type && l.region === r.region && l.id === r.name && l.status !== 'deleted');
  return run.resources.filter((r) => !byName(r)).map((r) => ({ type: r.type, id: r.id, region: r.region, status: 'created', stepId: 'teardown-all', createdAt: now, ...(r.arn ? { arn: r.arn } : {}) }));
}

/**
 * A local state's records (kept as they are, updated in place by teardown) plus the found ones it
 * lacks. A found resource the state calls deleted exists after all (a fresh Describe said so).
 */
export function mergeRecords(local: ResourceRecord[], found: ResourceRecord[]): ResourceRecord[] {
  // A global cluster or an IAM role has no region of its own: the same one whichever region recorded it.
  const key = (r: ResourceRecord) => `${r.type}\u0000${REGIONLESS.has(r.type) ? '' : r.region}\u0000${r.id.toLowerCase()}`;
  const byKey = new Map(local.map((r) => [key(r), r]));
  const out = [...local];
  for (const f of found) {
    const mine = byKey.get(key(f));
    if (!mine) {
      byKey.set(key(f), f);
      out.push(f);
    } else if (mine.status === 'deleted') {
      mine.status = 'created';
      delete mine.deletedAt;
    }
  }
  return out;
}
