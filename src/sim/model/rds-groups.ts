/**
 * DB subnet groups and (cluster) parameter groups, and the checks clusters and instances make against
 * them. The parameters inside a group are rds-parameters.ts's.
 */
import { fail, invalidValue } from './errors.js';
import { rdsArn } from './ids.js';
import { optStr, reqId, reqStr, strList, tagList } from './input.js';
import { VERSIONS } from './rds-catalog.js';
import { parameterHandlers } from './rds-parameters.js';
import { defaultSubnets, defaultVpcId, findSecurityGroup } from './ec2.js';
import type { Handler, Output, Runtime } from './runtime.js';
import { rkey, type ParameterGroupRec, type SubnetGroupRec } from './state.js';

export const DEFAULT_SUBNET_GROUP = 'default';

/** The subnet group a cluster or instance uses: the named one (which must exist) or the account's default. */
export function resolveSubnetGroup(rt: Runtime, region: string, name: string | undefined): string {
  if (name === undefined || name.toLowerCase() === DEFAULT_SUBNET_GROUP) return DEFAULT_SUBNET_GROUP;
  const id = name.toLowerCase();
  if (!rt.state.subnetGroups[rkey(region, id)]) fail('DBSubnetGroupNotFoundFault', `DBSubnetGroup ${name} not found.`);
  return id;
}

export function resolveParameterGroup(rt: Runtime, region: string, kind: 'cluster' | 'instance', name: string | undefined, family: string): string {
  if (name === undefined) return `default.${family}`;
  const id = name.toLowerCase();
  if (id === `default.${family}`) return id;
  const pg = rt.state.parameterGroups[rkey(region, `${kind}/${id}`)];
  if (!pg) {
    fail(kind === 'cluster' ? 'DBClusterParameterGroupNotFound' : 'DBParameterGroupNotFound', `${kind === 'cluster' ? 'DBClusterParameterGroup' : 'DBParameterGroup'} not found: ${name}`);
  }
  if (pg.family !== family) invalidValue(`The parameter group ${name} with DBParameterGroupFamily ${pg.family} can't be used for this engine (${family}).`);
  return id;
}

export function checkSecurityGroups(rt: Runtime, region: string, ids: string[]): void {
  for (const id of ids) if (!findSecurityGroup(rt, region, id)) invalidValue(`Invalid security group, groupId= ${id}, groupName=null.`);
}

function subnetGroupOut(rt: Runtime, region: string, g: SubnetGroupRec | undefined): Output {
  const subnets = defaultSubnets(rt, region);
  const name = g?.name ?? DEFAULT_SUBNET_GROUP;
  const ids = g?.subnetIds ?? subnets.map((s) => s.id);
  return {
    DBSubnetGroupName: name,
    DBSubnetGroupDescription: g?.description ?? 'default',
    VpcId: defaultVpcId(rt, region),
    SubnetGroupStatus: 'Complete',
    Subnets: ids.map((id) => ({
      SubnetIdentifier: id,
      SubnetAvailabilityZone: { Name: subnets.find((s) => s.id === id)?.az },
      SubnetOutpost: {},
      SubnetStatus: 'Active',
    })),
    DBSubnetGroupArn: g?.arn ?? rdsArn(region, rt.accountId, 'subgrp', DEFAULT_SUBNET_GROUP),
    SupportedNetworkTypes: ['IPV4'],
  };
}

const FAMILIES = new Set(VERSIONS.map((v) => v.family));

function pgInUse(rt: Runtime, pg: ParameterGroupRec): boolean {
  if (pg.kind === 'cluster') return Object.values(rt.state.clusters).some((c) => c.region === pg.region && c.clusterParameterGroup === pg.name);
  return Object.values(rt.state.instances).some((i) => i.region === pg.region && i.parameterGroup === pg.name);
}

function createPg(kind: 'cluster' | 'instance'): Handler {
  const nameField = kind === 'cluster' ? 'DBClusterParameterGroupName' : 'DBParameterGroupName';
  return (rt, input, region) => {
    const name = reqId(input, nameField);
    const family = reqStr(input, 'DBParameterGroupFamily');
    const description = reqStr(input, 'Description');
    if (!FAMILIES.has(family)) invalidValue(`DBParameterGroupFamily ${family} is not a valid parameter group family.`);
    if (name.startsWith('default.')) invalidValue(`The parameter ${nameField} can't start with "default.".`);
    const key = rkey(region, `${kind}/${name}`);
    if (rt.state.parameterGroups[key]) fail('DBParameterGroupAlreadyExists', `Parameter group ${name} already exists`);
    const arn = rdsArn(region, rt.accountId, kind === 'cluster' ? 'cluster-pg' : 'pg', name);
    const pg: ParameterGroupRec = { name, region, arn, family, description, kind, tags: tagList(input) };
    rt.state.parameterGroups[key] = pg;
    return kind === 'cluster'
      ? { DBClusterParameterGroup: { DBClusterParameterGroupName: name, DBParameterGroupFamily: family, Description: description, DBClusterParameterGroupArn: arn } }
      : { DBParameterGroup: { DBParameterGroupName: name, DBParameterGroupFamily: family, Description: description, DBParameterGroupArn: arn } };
  };
}

function deletePg(kind: 'cluster' | 'instance'): Handler {
  const nameField = kind === 'cluster' ? 'DBClusterParameterGroupName' : 'DBParameterGroupName';
  return (rt, input, region) => {
    const name = reqId(input, nameField);
    if (name.startsWith('default.')) fail('InvalidDBParameterGroupState', `Default parameter groups can't be deleted: ${name}`);
    const key = rkey(region, `${kind}/${name}`);
    const pg = rt.state.parameterGroups[key];
    if (!pg) fail('DBParameterGroupNotFound', `Parameter group ${name} not found.`);
    if (pgInUse(rt, pg)) fail('InvalidDBParameterGroupState', `Parameter group ${name} is in use.`);
    delete rt.state.parameterGroups[key];
    return {};
  };
}

function describePg(kind: 'cluster' | 'instance'): Handler {
  const nameField = kind === 'cluster' ? 'DBClusterParameterGroupName' : 'DBParameterGroupName';
  return (rt, input, region) => {
    const name = optStr(input, nameField)?.toLowerCase();
    const list = Object.values(rt.state.parameterGroups).filter((p) => p.region === region && p.kind === kind && (name === undefined || p.name === name));
    if (name !== undefined && list.length === 0 && !name.startsWith('default.')) {
      fail(kind === 'cluster' ? 'DBParameterGroupNotFound' : 'DBParameterGroupNotFound', `Parameter group ${name} not found.`);
    }
    const out = list.map((p) =>
      kind === 'cluster'
        ? { DBClusterParameterGroupName: p.name, DBParameterGroupFamily: p.family, Description: p.description, DBClusterParameterGroupArn: p.arn }
        : { DBParameterGroupName: p.name, DBParameterGroupFamily: p.family, Description: p.description, DBParameterGroupArn: p.arn },
    );
    if (name?.startsWith('default.')) {
      const family = name.slice('default.'.length);
      if (!FAMILIES.has(family)) fail('DBParameterGroupNotFound', `Parameter group ${name} not found.`);
      out.push(
        kind === 'cluster'
          ? { DBClusterParameterGroupName: name, DBParameterGroupFamily: family, Description: `Default cluster parameter group for ${family}`, DBClusterParameterGroupArn: rdsArn(region, rt.accountId, 'cluster-pg', name) }
          : { DBParameterGroupName: name, DBParameterGroupFamily: family, Description: `Default parameter group for ${family}`, DBParameterGroupArn: rdsArn(region, rt.accountId, 'pg', name) },
      );
    }
    return kind === 'cluster' ? { DBClusterParameterGroups: out } : { DBParameterGroups: out };
  };
}

export const groupHandlers: Record<string, Handler> = {
  CreateDBSubnetGroup(rt, input, region) {
    const name = reqId(input, 'DBSubnetGroupName');
    const description = reqStr(input, 'DBSubnetGroupDescription');
    const subnetIds = strList(input, 'SubnetIds');
    if (name === DEFAULT_SUBNET_GROUP) invalidValue('The parameter DBSubnetGroupName must not be "default".');
    const key = rkey(region, name);
    if (rt.state.subnetGroups[key]) fail('DBSubnetGroupAlreadyExists', `The DB subnet group '${name}' already exists.`);
    const known = defaultSubnets(rt, region);
    for (const id of subnetIds) if (!known.some((s) => s.id === id)) fail('InvalidSubnet', `Some input subnets in :[${subnetIds.join(', ')}] are invalid.`);
    const azs = new Set(subnetIds.map((id) => known.find((s) => s.id === id)!.az));
    if (azs.size < 2) {
      fail('DBSubnetGroupDoesNotCoverEnoughAZs', "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: " + [...azs].join(', ') + '. Add subnets to cover at least 2 AZs.');
    }
    const g: SubnetGroupRec = {
      name,
      region,
      arn: rdsArn(region, rt.accountId, 'subgrp', name),
      description,
      vpcId: defaultVpcId(rt, region),
      subnetIds,
      tags: tagList(input),
    };
    rt.state.subnetGroups[key] = g;
    return { DBSubnetGroup: subnetGroupOut(rt, region, g) };
  },

  DescribeDBSubnetGroups(rt, input, region) {
    const name = optStr(input, 'DBSubnetGroupName')?.toLowerCase();
    if (name === DEFAULT_SUBNET_GROUP) return { DBSubnetGroups: [subnetGroupOut(rt, region, undefined)] };
    const list = Object.values(rt.state.subnetGroups).filter((g) => g.region === region && (name === undefined || g.name === name));
    if (name !== undefined && list.length === 0) fail('DBSubnetGroupNotFoundFault', `DBSubnetGroup ${name} not found.`);
    return { DBSubnetGroups: list.map((g) => subnetGroupOut(rt, region, g)) };
  },

  DeleteDBSubnetGroup(rt, input, region) {
    const name = reqId(input, 'DBSubnetGroupName');
    const key = rkey(region, name);
    const g = rt.state.subnetGroups[key];
    if (!g) fail('DBSubnetGroupNotFoundFault', `DBSubnetGroup ${name} not found.`);
    const used =
      Object.values(rt.state.clusters).some((c) => c.region === region && c.subnetGroup === name) ||
      Object.values(rt.state.instances).some((i) => i.region === region && i.subnetGroup === name);
    if (used) fail('InvalidDBSubnetGroupStateFault', `Cannot delete the subnet group '${name}' because at least one database cluster or instance is still using it.`);
    delete rt.state.subnetGroups[key];
    return {};
  },

  ...parameterHandlers,
  CreateDBClusterParameterGroup: createPg('cluster'),
  DeleteDBClusterParameterGroup: deletePg('cluster'),
  DescribeDBClusterParameterGroups: describePg('cluster'),
  CreateDBParameterGroup: createPg('instance'),
  DeleteDBParameterGroup: deletePg('instance'),
  DescribeDBParameterGroups: describePg('instance'),
};

