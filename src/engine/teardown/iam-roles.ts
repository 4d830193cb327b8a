/**
 * IAM roles for `teardown --all`: the Resource Groups Tagging API does not list them ("GetResources does
 * not currently support IAM users and roles", its supported-services page), so they are found with
 * IAM's own calls: ListRoles, paged by Marker, and ListRoleTags for each role (ListRoles returns no
 * tags). IAM is global: one listing serves every region searched, whatever region the call is signed
 * for (the SDK sends it to the partition's one IAM endpoint).
 */
import type { AwsSender } from './resource-types.js';
import { isNotFound } from './resource-types.js';
import type { Tag } from '../tags.js';

/** Safety bound on pages (1000 roles a page is IAM's most; an account holds at most 5000 by default). */
const MAX_PAGES = 1000;

export interface ListedRole {
  name: string;
  arn?: string;
  tags: Tag[];
}

async function pages<T>(fetch: (marker: string | undefined) => Promise<{ items: T[]; marker?: string }>): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await fetch(marker);
    out.push(...res.items);
    marker = res.marker;
    if (!marker) break;
  }
  return out;
}

const markerOf = (res: Record<string, unknown>) => (res.IsTruncated === true && typeof res.Marker === 'string' && res.Marker ? res.Marker : undefined);

/** Every role of the account that carries `tagKey` (any value), with all its tags. */
export async function listRolesTagged(clients: AwsSender, tagKey: string, region: string, signal?: AbortSignal): Promise<ListedRole[]> {
  const roles = await pages(async (marker) => {
    const res = await clients.send('iam', 'ListRoles', { MaxItems: 1000, ...(marker ? { Marker: marker } : {}) }, { region, signal });
    const items = ((res.Roles as { RoleName?: string; Arn?: string; Path?: string }[] | undefined) ?? []).filter((r) => typeof r.RoleName === 'string');
    return { items, marker: markerOf(res) };
  });
  const out: ListedRole[] = [];
  for (const r of roles) {
    // AWS's service-linked roles are never a run's (and cannot be deleted by DeleteRole anyway).
    if (r.Path?.startsWith('/aws-service-role/')) continue;
    let tags: Tag[];
    try {
      tags = await pages(async (marker) => {
        const res = await clients.send('iam', 'ListRoleTags', { RoleName: r.RoleName, ...(marker ? { Marker: marker } : {}) }, { region, signal });
        return { items: (res.Tags as Tag[] | undefined) ?? [], marker: markerOf(res) };
      });
    } catch (err) {
      // Deleted between the listing and its tags: nothing to do.
      if (isNotFound('iam-role', err)) continue;
      throw err;
    }
    if (tags.some((t) => t.Key === tagKey)) out.push({ name: r.RoleName!, ...(r.Arn ? { arn: r.Arn } : {}), tags });
  }
  return out;
}
