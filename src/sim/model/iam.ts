/**
 * IAM roles, as much as a lab needs to hand RDS a service role: CreateRole with a trust policy that is
 * parsed and checked as IAM checks it, managed policies attached and detached, and DeleteRole refused
 * while policies are attached (DeleteConflict), as AWS refuses it. Roles are account-wide (IAM is
 * global): the region of the call does not matter. RDS asks `roleTrusts` before it accepts a role.
 */
import { randomBytes } from 'node:crypto';
import { fail } from './errors.js';
import { optStr, reqStr, tagList } from './input.js';
import type { Handler, Runtime } from './runtime.js';
import type { RoleRec } from './state.js';
import { pageToken, tokenOffset } from './paging.js';

/** AWS managed policies the model knows; attaching another ARN is NoSuchEntity, as for a typo on AWS. */
export const MANAGED_POLICIES: Record<string, string> = {
  'arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole': 'AmazonRDSEnhancedMonitoringRole',
  'arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess': 'CloudWatchLogsReadOnlyAccess',
  'arn:aws:iam::aws:policy/AmazonRDSReadOnlyAccess': 'AmazonRDSReadOnlyAccess',
};

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** IAM's codes and statuses (NoSuchEntity 404, EntityAlreadyExists and DeleteConflict 409) are in errors.ts. */
function iamFail(code: string, message: string): never {
  fail(code, message);
}

function roles(rt: Runtime): Record<string, RoleRec> {
  return (rt.state.roles ??= {});
}

function getRole(rt: Runtime, name: string): RoleRec {
  const r = roles(rt)[name.toLowerCase()];
  if (!r) iamFail('NoSuchEntity', `The role with name ${name} cannot be found.`);
  return r;
}

interface Statement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
}

/** The trust policy's statements, or MalformedPolicyDocument with IAM's wording. */
function trustStatements(doc: string): Statement[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(doc);
  } catch {
    iamFail('MalformedPolicyDocument', 'This policy contains invalid Json');
  }
  const p = parsed as { Version?: unknown; Statement?: unknown };
  if (typeof p !== 'object' || p === null || p.Statement === undefined) iamFail('MalformedPolicyDocument', 'Syntax errors in policy.');
  if (p.Version !== undefined && p.Version !== '2012-10-17' && p.Version !== '2008-10-17') iamFail('MalformedPolicyDocument', 'The policy failed legacy parsing');
  const list = (Array.isArray(p.Statement) ? p.Statement : [p.Statement]) as Statement[];
  for (const s of list) {
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') iamFail('MalformedPolicyDocument', 'Missing required field Effect');
    if (s.Resource !== undefined) iamFail('MalformedPolicyDocument', 'Has prohibited field Resource');
    if (s.Principal === undefined) iamFail('MalformedPolicyDocument', 'Missing required field Principal');
    if (s.Action === undefined) iamFail('MalformedPolicyDocument', 'Missing required field Action');
    const services = (s.Principal as { Service?: unknown }).Service;
    for (const svc of services === undefined ? [] : Array.isArray(services) ? services : [services]) {
      if (typeof svc !== 'string' || !/^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/.test(svc)) {
        iamFail('MalformedPolicyDocument', `Invalid principal in policy: "SERVICE":"${String(svc)}"`);
      }
    }
  }
  return list;
}

/** May `service` (monitoring.rds.amazonaws.com) assume the role with this ARN? */
export function roleTrusts(rt: Runtime, roleArn: string, service: string): boolean {
  const role = Object.values(roles(rt)).find((r) => r.arn === roleArn);
  if (!role) return false;
  const list = trustStatements(role.assumeRolePolicyDocument);
  const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]) as unknown[];
  const principals = (s: Statement) => {
    const v = (s.Principal as { Service?: unknown }).Service;
    return (Array.isArray(v) ? v : [v]) as unknown[];
  };
  const matches = (s: Statement) => principals(s).includes(service) && actions(s).some((a) => a === 'sts:AssumeRole' || a === 'sts:*');
  return list.some((s) => s.Effect === 'Allow' && matches(s)) && !list.some((s) => s.Effect === 'Deny' && matches(s));
}

export function findRoleByArn(rt: Runtime, arn: string): RoleRec | undefined {
  return Object.values(roles(rt)).find((r) => r.arn === arn);
}

function roleOut(r: RoleRec, withTags: boolean): Record<string, unknown> {
  return {
    Path: r.path,
    RoleName: r.name,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: new Date(r.createdAt),
    // IAM returns policy documents URL-encoded.
    AssumeRolePolicyDocument: encodeURIComponent(r.assumeRolePolicyDocument),
    ...(r.description !== undefined ? { Description: r.description } : {}),
    MaxSessionDuration: 3600,
    ...(withTags && r.tags.length ? { Tags: r.tags.map((t) => ({ ...t })) } : {}),
    ...(withTags ? { RoleLastUsed: {} } : {}),
  };
}

/** IAM's paging: MaxItems 1-1000 (default 100), IsTruncated, and an opaque Marker bound to the list it came from. */
function iamPage<T>(list: T[], input: Record<string, unknown>, scope: string): { page: T[]; more: { IsTruncated: boolean; Marker?: string } } {
  const max = input['MaxItems'] === undefined ? 100 : Number(input['MaxItems']);
  if (!Number.isInteger(max) || max < 1 || max > 1000) iamFail('ValidationError', `1 validation error detected: Value '${String(input['MaxItems'])}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`);
  const marker = optStr(input, 'Marker');
  let start = 0;
  if (marker !== undefined) {
    const at = tokenOffset(marker, scope);
    if (at === undefined) iamFail('ValidationError', 'Invalid Marker.');
    start = at;
  }
  const page = list.slice(start, start + max);
  const truncated = start + max < list.length;
  return { page, more: { IsTruncated: truncated, ...(truncated ? { Marker: pageToken(scope, start + max) } : {}) } };
}

export const iamHandlers: Record<string, Handler> = {
  CreateRole(rt, input) {
    const name = reqStr(input, 'RoleName');
    if (!ROLE_NAME.test(name)) iamFail('ValidationError', `1 validation error detected: Value '${name}' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+`);
    const path = optStr(input, 'Path') ?? '/';
    if (!/^\/([\x21-\x7e]*\/)?$/.test(path)) iamFail('ValidationError', 'The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.');
    const doc = reqStr(input, 'AssumeRolePolicyDocument');
    trustStatements(doc);
    if (roles(rt)[name.toLowerCase()]) iamFail('EntityAlreadyExists', `Role with name ${name} already exists.`);
    const r: RoleRec = {
      name,
      path,
      arn: `arn:aws:iam::${rt.accountId}:role${path}${name}`,
      roleId: `AROA${[...randomBytes(17)].map((b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('')}`,
      createdAt: rt.now(),
      ...(optStr(input, 'Description') !== undefined ? { description: optStr(input, 'Description') } : {}),
      assumeRolePolicyDocument: doc,
      attachedPolicies: [],
      tags: tagList(input),
    };
    roles(rt)[name.toLowerCase()] = r;
    return { Role: roleOut(r, true) };
  },

  GetRole(rt, input) {
    return { Role: roleOut(getRole(rt, reqStr(input, 'RoleName')), true) };
  },

  AttachRolePolicy(rt, input) {
    const r = getRole(rt, reqStr(input, 'RoleName'));
    const arn = reqStr(input, 'PolicyArn');
    if (!MANAGED_POLICIES[arn]) iamFail('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
    if (!r.attachedPolicies.includes(arn)) r.attachedPolicies.push(arn);
    return {};
  },

  DetachRolePolicy(rt, input) {
    const r = getRole(rt, reqStr(input, 'RoleName'));
    const arn = reqStr(input, 'PolicyArn');
    if (!r.attachedPolicies.includes(arn)) iamFail('NoSuchEntity', `Policy ${arn} was not found.`);
    r.attachedPolicies = r.attachedPolicies.filter((p) => p !== arn);
    return {};
  },

  ListAttachedRolePolicies(rt, input) {
    const r = getRole(rt, reqStr(input, 'RoleName'));
    return { AttachedPolicies: r.attachedPolicies.map((arn) => ({ PolicyName: MANAGED_POLICIES[arn], PolicyArn: arn })), IsTruncated: false };
  },

  // ListRoles carries no tags (IAM documents it: GetRole or ListRoleTags has them), and pages.
  ListRoles(rt, input) {
    const prefix = optStr(input, 'PathPrefix') ?? '/';
    const list = Object.values(roles(rt))
      .filter((r) => r.path.startsWith(prefix))
      .sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
    const { page, more } = iamPage(list, input, 'ListRoles');
    return { Roles: page.map((r) => roleOut(r, false)), ...more };
  },

  ListRoleTags(rt, input) {
    const r = getRole(rt, reqStr(input, 'RoleName'));
    const { page, more } = iamPage(r.tags, input, `ListRoleTags:${r.name.toLowerCase()}`);
    return { Tags: page.map((t) => ({ ...t })), ...more };
  },

  DeleteRole(rt, input) {
    const r = getRole(rt, reqStr(input, 'RoleName'));
    if (r.attachedPolicies.length > 0) iamFail('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
    delete roles(rt)[r.name.toLowerCase()];
    return {};
  },
};
