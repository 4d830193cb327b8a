/**
 * EC2, as much as the labs need: a default VPC with three default subnets per region (synthesized,
 * never stored), and security groups with ingress rules and tags (stored).
 */
import { createHash } from 'node:crypto';
import { fail } from './errors.js';
import { filters, filterValues, type Filter, optStr, reqStr, strList, tagList, tagsFromSpecs, tagsOut, mergeTags } from './input.js';
import type { Handler, Input, Output, Runtime } from './runtime.js';
import { hexId } from './ids.js';
import { rkey, type IpPermission, type SecurityGroupRec, type Tag } from './state.js';

function derived(prefix: string, ...parts: string[]): string {
  return `${prefix}-${createHash('sha256').update(parts.join(':')).digest('hex').slice(0, 17)}`;
}

export function defaultVpcId(rt: Runtime, region: string): string {
  return derived('vpc', rt.accountId, region);
}

export interface SubnetInfo {
  id: string;
  az: string;
  cidr: string;
}

export function defaultSubnets(rt: Runtime, region: string): SubnetInfo[] {
  return ['a', 'b', 'c'].map((s, i) => ({
    id: derived('subnet', rt.accountId, region, s),
    az: `${region}${s}`,
    cidr: `172.31.${i * 16}.0/20`,
  }));
}

export function sgArn(rt: Runtime, region: string, groupId: string): string {
  return `arn:aws:ec2:${region}:${rt.accountId}:security-group/${groupId}`;
}

/** Every region has a default VPC whose "default" security group exists from the start. */
export function ensureRegionDefaults(rt: Runtime, region: string): void {
  const id = derived('sg', rt.accountId, region, 'default');
  const key = rkey(region, id);
  if (rt.state.securityGroups[key]) return;
  rt.state.securityGroups[key] = {
    groupId: id,
    region,
    name: 'default',
    description: 'default VPC security group',
    vpcId: defaultVpcId(rt, region),
    ingress: [],
    tags: [],
    isDefault: true,
  };
}

export function defaultSecurityGroupId(rt: Runtime, region: string): string {
  ensureRegionDefaults(rt, region);
  return derived('sg', rt.accountId, region, 'default');
}

export function findSecurityGroup(rt: Runtime, region: string, groupId: string): SecurityGroupRec | undefined {
  return rt.state.securityGroups[rkey(region, groupId)];
}

function sgByInput(rt: Runtime, input: Input, region: string): SecurityGroupRec {
  const id = optStr(input, 'GroupId');
  const name = optStr(input, 'GroupName');
  const found = id
    ? findSecurityGroup(rt, region, id)
    : Object.values(rt.state.securityGroups).find((g) => g.region === region && g.name === name && g.vpcId === defaultVpcId(rt, region));
  if (!found) fail('InvalidGroup.NotFound', `The security group '${id ?? name}' does not exist`);
  return found;
}

function matchTagFilters(tags: Tag[], fs: Filter[]): boolean {
  for (const f of fs) {
    if (f.Name.startsWith('tag:')) {
      const key = f.Name.slice(4);
      if (!tags.some((t) => t.Key === key && f.Values.includes(t.Value))) return false;
    } else if (f.Name === 'tag-key') {
      if (!tags.some((t) => f.Values.includes(t.Key))) return false;
    }
  }
  return true;
}

function sgOut(rt: Runtime, g: SecurityGroupRec): Output {
  return {
    GroupId: g.groupId,
    GroupName: g.name,
    Description: g.description,
    VpcId: g.vpcId,
    OwnerId: rt.accountId,
    SecurityGroupArn: sgArn(rt, g.region, g.groupId),
    IpPermissions: g.ingress.map((p) => ({ ...p, IpRanges: p.IpRanges.map((r) => ({ ...r })), Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] })),
    IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] }],
    Tags: tagsOut(g.tags),
  };
}

function permissions(input: Input): IpPermission[] {
  const list = input['IpPermissions'];
  if (Array.isArray(list) && list.length > 0) {
    return list.map((p: Input) => ({
      IpProtocol: String(p['IpProtocol'] ?? '-1'),
      ...(typeof p['FromPort'] === 'number' ? { FromPort: p['FromPort'] } : {}),
      ...(typeof p['ToPort'] === 'number' ? { ToPort: p['ToPort'] } : {}),
      IpRanges: Array.isArray(p['IpRanges'])
        ? (p['IpRanges'] as Input[]).map((r) => ({
            CidrIp: String(r['CidrIp']),
            ...(typeof r['Description'] === 'string' ? { Description: r['Description'] } : {}),
          }))
        : [],
    }));
  }
  const cidr = optStr(input, 'CidrIp');
  if (!cidr) fail('MissingParameter', 'Either IpPermissions or CidrIp must be given.');
  return [
    {
      IpProtocol: optStr(input, 'IpProtocol') ?? '-1',
      ...(typeof input['FromPort'] === 'number' ? { FromPort: input['FromPort'] } : {}),
      ...(typeof input['ToPort'] === 'number' ? { ToPort: input['ToPort'] } : {}),
      IpRanges: [{ CidrIp: cidr }],
    },
  ];
}

function sameRule(a: IpPermission, b: IpPermission, cidr: string): boolean {
  return a.IpProtocol === b.IpProtocol && a.FromPort === b.FromPort && a.ToPort === b.ToPort && a.IpRanges.some((r) => r.CidrIp === cidr);
}

/** Clusters and instances (not yet gone) that use a security group. */
function usersOf(rt: Runtime, g: SecurityGroupRec): string[] {
  const users: string[] = [];
  for (const c of Object.values(rt.state.clusters)) if (c.region === g.region && c.securityGroupIds.includes(g.groupId)) users.push(c.id);
  for (const i of Object.values(rt.state.instances)) if (i.region === g.region && !i.clusterId && i.securityGroupIds.includes(g.groupId)) users.push(i.id);
  return users;
}

export const ec2Handlers: Record<string, Handler> = {
  DescribeVpcs(rt, input, region) {
    const ids = strList(input, 'VpcIds');
    const fs = filters(input);
    const vpcId = defaultVpcId(rt, region);
    for (const id of ids) if (id !== vpcId) fail('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
    const isDefault = filterValues(fs, 'isDefault') ?? filterValues(fs, 'is-default');
    const idFilter = filterValues(fs, 'vpc-id');
    const show = (!isDefault || isDefault.includes('true')) && (!idFilter || idFilter.includes(vpcId));
    const vpc = {
      VpcId: vpcId,
      CidrBlock: '172.31.0.0/16',
      State: 'available',
      IsDefault: true,
      OwnerId: rt.accountId,
      InstanceTenancy: 'default',
      DhcpOptionsId: derived('dopt', rt.accountId, region),
      CidrBlockAssociationSet: [{ AssociationId: derived('vpc-cidr-assoc', vpcId), CidrBlock: '172.31.0.0/16', CidrBlockState: { State: 'associated' } }],
      Tags: [],
    };
    return { Vpcs: show ? [vpc] : [] };
  },

  DescribeSubnets(rt, input, region) {
    const ids = strList(input, 'SubnetIds');
    const fs = filters(input);
    const all = defaultSubnets(rt, region);
    for (const id of ids) if (!all.some((s) => s.id === id)) fail('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
    const vpcId = defaultVpcId(rt, region);
    const vpcFilter = filterValues(fs, 'vpc-id');
    const defFilter = filterValues(fs, 'default-for-az') ?? filterValues(fs, 'defaultForAz');
    const azFilter = filterValues(fs, 'availability-zone');
    const idFilter = filterValues(fs, 'subnet-id');
    const list = all.filter(
      (s) =>
        (ids.length === 0 || ids.includes(s.id)) &&
        (!vpcFilter || vpcFilter.includes(vpcId)) &&
        (!defFilter || defFilter.includes('true')) &&
        (!azFilter || azFilter.includes(s.az)) &&
        (!idFilter || idFilter.includes(s.id)),
    );
    return {
      Subnets: list.map((s) => ({
        SubnetId: s.id,
        SubnetArn: `arn:aws:ec2:${region}:${rt.accountId}:subnet/${s.id}`,
        VpcId: vpcId,
        AvailabilityZone: s.az,
        AvailabilityZoneId: `${region.replace(/-/g, '').slice(0, 4)}-az${s.az.slice(-1).charCodeAt(0) - 96}`,
        CidrBlock: s.cidr,
        AvailableIpAddressCount: 4091,
        DefaultForAz: true,
        MapPublicIpOnLaunch: true,
        State: 'available',
        OwnerId: rt.accountId,
        Tags: [],
      })),
    };
  },

  CreateSecurityGroup(rt, input, region) {
    const name = reqStr(input, 'GroupName');
    const description = reqStr(input, 'Description');
    const vpcId = optStr(input, 'VpcId') ?? defaultVpcId(rt, region);
    if (vpcId !== defaultVpcId(rt, region)) fail('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
    if (Object.values(rt.state.securityGroups).some((g) => g.region === region && g.vpcId === vpcId && g.name === name)) {
      fail('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`);
    }
    const groupId = hexId('sg');
    const tags = tagsFromSpecs(input);
    rt.state.securityGroups[rkey(region, groupId)] = { groupId, region, name, description, vpcId, ingress: [], tags, isDefault: false };
    return { GroupId: groupId, SecurityGroupArn: sgArn(rt, region, groupId), Tags: tagsOut(tags) };
  },

  DescribeSecurityGroups(rt, input, region) {
    const ids = strList(input, 'GroupIds');
    const names = strList(input, 'GroupNames');
    const fs = filters(input);
    const inRegion = Object.values(rt.state.securityGroups).filter((g) => g.region === region);
    for (const id of ids) if (!inRegion.some((g) => g.groupId === id)) fail('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
    for (const n of names) if (!inRegion.some((g) => g.name === n)) fail('InvalidGroup.NotFound', `The security group '${n}' does not exist in default VPC`);
    const byName = filterValues(fs, 'group-name');
    const byId = filterValues(fs, 'group-id');
    const byVpc = filterValues(fs, 'vpc-id');
    const list = inRegion.filter(
      (g) =>
        (ids.length === 0 || ids.includes(g.groupId)) &&
        (names.length === 0 || names.includes(g.name)) &&
        (!byName || byName.includes(g.name)) &&
        (!byId || byId.includes(g.groupId)) &&
        (!byVpc || byVpc.includes(g.vpcId)) &&
        matchTagFilters(g.tags, fs),
    );
    return { SecurityGroups: list.map((g) => sgOut(rt, g)) };
  },

  AuthorizeSecurityGroupIngress(rt, input, region) {
    const g = sgByInput(rt, input, region);
    const perms = permissions(input);
    for (const p of perms) {
      for (const r of p.IpRanges) {
        if (g.ingress.some((e) => sameRule(e, p, r.CidrIp))) {
          fail(
            'InvalidPermission.Duplicate',
            `the specified rule "peer: ${r.CidrIp}, ${p.IpProtocol.toUpperCase()}, from port: ${p.FromPort}, to port: ${p.ToPort}, ALLOW" already exists`,
          );
        }
      }
    }
    g.ingress.push(...perms);
    return {
      Return: true,
      SecurityGroupRules: perms.flatMap((p) =>
        p.IpRanges.map((r) => ({
          SecurityGroupRuleId: hexId('sgr'),
          GroupId: g.groupId,
          GroupOwnerId: rt.accountId,
          IsEgress: false,
          IpProtocol: p.IpProtocol,
          FromPort: p.FromPort ?? -1,
          ToPort: p.ToPort ?? -1,
          CidrIpv4: r.CidrIp,
          ...(r.Description ? { Description: r.Description } : {}),
        })),
      ),
    };
  },

  RevokeSecurityGroupIngress(rt, input, region) {
    const g = sgByInput(rt, input, region);
    for (const p of permissions(input)) {
      for (const r of p.IpRanges) {
        const rule = g.ingress.find((e) => sameRule(e, p, r.CidrIp));
        if (!rule) fail('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
        rule.IpRanges = rule.IpRanges.filter((x) => x.CidrIp !== r.CidrIp);
      }
    }
    g.ingress = g.ingress.filter((e) => e.IpRanges.length > 0);
    return { Return: true };
  },

  DeleteSecurityGroup(rt, input, region) {
    const g = sgByInput(rt, input, region);
    if (g.isDefault) fail('CannotDelete', `the specified group: "${g.groupId}" name: "default" cannot be deleted by a user`);
    const users = usersOf(rt, g);
    if (users.length > 0) fail('DependencyViolation', `resource ${g.groupId} has a dependent object`);
    delete rt.state.securityGroups[rkey(region, g.groupId)];
    rt.tombstone(sgArn(rt, region, g.groupId), region, 'ec2:security-group', g.tags);
    return { Return: true, GroupId: g.groupId };
  },

  CreateTags(rt, input, region) {
    const resources = strList(input, 'Resources');
    const tags = tagList(input);
    for (const id of resources) {
      const g = findSecurityGroup(rt, region, id);
      if (!g) fail('InvalidID', `The ID '${id}' is not valid`);
      g.tags = mergeTags(g.tags, tags);
    }
    return {};
  },

  DescribeTags(rt, input, region) {
    const fs = filters(input);
    const ids = filterValues(fs, 'resource-id');
    const keys = filterValues(fs, 'key');
    const types = filterValues(fs, 'resource-type');
    const out: Output[] = [];
    for (const g of Object.values(rt.state.securityGroups)) {
      if (g.region !== region || (ids && !ids.includes(g.groupId)) || (types && !types.includes('security-group'))) continue;
      for (const t of g.tags) {
        if (keys && !keys.includes(t.Key)) continue;
        out.push({ Key: t.Key, Value: t.Value, ResourceId: g.groupId, ResourceType: 'security-group' });
      }
    }
    return { Tags: out };
  },
};
