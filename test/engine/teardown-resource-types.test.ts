import * as rdsModule from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { AwsError } from '../../src/errors.js';
import {
  ALREADY_EXISTS_CODES,
  RESOURCE_SPECS,
  asCreateOutput,
  isAlreadyExists,
  isBusy,
  isNotFound,
  regionOfArn,
  resourceIdOfArn,
} from '../../src/engine/teardown/resource-types.js';
import { RESOURCE_TYPES } from '../../src/labs/schema.js';

const awsErr = (awsCode: string) => new AwsError(`failed: ${awsCode}`, { awsCode });

describe('the resource-type table', () => {
  it('has one entry for every resource type a lab can create', () => {
    expect(Object.keys(RESOURCE_SPECS).sort()).toEqual([...RESOURCE_TYPES].sort());
    expect(Object.keys(ALREADY_EXISTS_CODES).sort()).toEqual([...RESOURCE_TYPES].sort());
  });

  it('names only real SDK operations, waiters and RDS exception classes', () => {
    const mod = rdsModule as unknown as Record<string, unknown>;
    for (const [type, spec] of Object.entries(RESOURCE_SPECS)) {
      if (spec.service !== 'rds') continue;
      expect(typeof mod[`${spec.describe.operation}Command`], `${type} describe`).toBe('function');
      expect(typeof mod[`${spec.delete.operation}Command`], `${type} delete`).toBe('function');
      if (spec.waiter) expect(typeof mod[`waitUntil${spec.waiter.name}`], `${type} waiter`).toBe('function');
      // Class names (ending in Fault) must be exported; the rest are wire codes the SDK maps to them.
      for (const code of [...spec.notFound, ...spec.busy, ...ALREADY_EXISTS_CODES[type as keyof typeof ALREADY_EXISTS_CODES]]) {
        if (code.endsWith('Fault')) expect(typeof mod[code], `${type}: ${code}`).toBe('function');
      }
    }
  });

  it('uses the SDK waiters that exist for deletion, and polls for the rest', () => {
    const waiters = Object.fromEntries(Object.entries(RESOURCE_SPECS).map(([t, s]) => [t, s.waiter?.name]));
    expect(waiters).toMatchObject({
      'db-instance': 'DBInstanceDeleted',
      'db-cluster': 'DBClusterDeleted',
      'db-cluster-snapshot': 'DBClusterSnapshotDeleted',
      'db-snapshot': 'DBSnapshotDeleted',
      'global-cluster': undefined,
      'security-group': undefined,
    });
  });

  it('tells gone, busy and already-exists apart by AWS code, wire code or SDK class name alike', () => {
    expect(isNotFound('db-instance', awsErr('DBInstanceNotFound'))).toBe(true);
    expect(isNotFound('db-instance', awsErr('DBInstanceNotFoundFault'))).toBe(true);
    expect(isNotFound('db-instance', awsErr('DBClusterNotFoundFault'))).toBe(false);
    expect(isNotFound('security-group', awsErr('InvalidGroup.NotFound'))).toBe(true);
    expect(isBusy('db-instance', awsErr('InvalidDBInstanceState'))).toBe(true);
    expect(isBusy('db-cluster', awsErr('InvalidDBClusterStateFault'))).toBe(true);
    expect(isBusy('security-group', awsErr('DependencyViolation'))).toBe(true);
    expect(isBusy('global-cluster', awsErr('InvalidGlobalClusterStateFault'))).toBe(true);
    expect(isBusy('db-cluster', awsErr('AccessDenied'))).toBe(false);
    expect(isAlreadyExists('db-instance', awsErr('DBInstanceAlreadyExists'))).toBe(true);
    expect(isAlreadyExists('security-group', awsErr('InvalidGroup.Duplicate'))).toBe(true);
    expect(isAlreadyExists('db-cluster', awsErr('DBClusterNotFoundFault'))).toBe(false);
    // An SDK exception that never went through translateAwsError is read by its name.
    expect(isBusy('db-snapshot', Object.assign(new Error('x'), { name: 'InvalidDBSnapshotStateFault' }))).toBe(true);
  });

  it('maps a Describe result to what the create call returns, for adoption', () => {
    const x = { Id: 'x' };
    expect(asCreateOutput('db-cluster', { DBClusters: [x] })).toEqual({ DBCluster: x });
    expect(asCreateOutput('db-instance', { DBInstances: [x] })).toEqual({ DBInstance: x });
    expect(asCreateOutput('db-cluster-snapshot', { DBClusterSnapshots: [x] })).toEqual({ DBClusterSnapshot: x });
    expect(asCreateOutput('db-snapshot', { DBSnapshots: [x] })).toEqual({ DBSnapshot: x });
    expect(asCreateOutput('global-cluster', { GlobalClusters: [x] })).toEqual({ GlobalCluster: x });
    expect(asCreateOutput('db-subnet-group', { DBSubnetGroups: [x] })).toEqual({ DBSubnetGroup: x });
    expect(asCreateOutput('db-cluster-parameter-group', { DBClusterParameterGroups: [x] })).toEqual({ DBClusterParameterGroup: x });
    expect(asCreateOutput('db-parameter-group', { DBParameterGroups: [x] })).toEqual({ DBParameterGroup: x });
    expect(
      asCreateOutput('security-group', {
        SecurityGroups: [{ GroupId: 'sg-1', GroupName: 'lab', SecurityGroupArn: 'arn:aws:ec2:us-east-1:1:security-group/sg-1', Tags: [] }],
      }),
    ).toEqual({ GroupId: 'sg-1', SecurityGroupArn: 'arn:aws:ec2:us-east-1:1:security-group/sg-1', Tags: [] });
    // The item itself is accepted too.
    expect(asCreateOutput('db-cluster', x)).toEqual({ DBCluster: x });
  });

  it('deletes cluster members without final-snapshot options and standalone instances without a snapshot or backups', () => {
    const del = RESOURCE_SPECS['db-instance'].delete.input;
    expect(del('w', { DBClusterIdentifier: 'lab' })).toEqual({ DBInstanceIdentifier: 'w' });
    expect(del('solo', {})).toEqual({ DBInstanceIdentifier: 'solo', SkipFinalSnapshot: true, DeleteAutomatedBackups: true });
    expect(RESOURCE_SPECS['db-cluster'].delete.input('c', {})).toEqual({ DBClusterIdentifier: 'c', SkipFinalSnapshot: true, DeleteAutomatedBackups: true });
  });

  it('describes a security group by id, or by name when the record holds only the name', () => {
    const input = RESOURCE_SPECS['security-group'].describe.input;
    expect(input('sg-0abc')).toEqual({ GroupIds: ['sg-0abc'] });
    expect(input('lab-sg')).toEqual({ Filters: [{ Name: 'group-name', Values: ['lab-sg'] }] });
    expect(RESOURCE_SPECS['security-group'].delete.input('lab-sg', { GroupId: 'sg-0abc' })).toEqual({ GroupId: 'sg-0abc' });
  });

  it('reads region and id from an ARN', () => {
    expect(regionOfArn('arn:aws:rds:eu-west-1:123456789012:cluster:lab-secondary')).toBe('eu-west-1');
    expect(resourceIdOfArn('arn:aws:rds:eu-west-1:123456789012:cluster:lab-secondary')).toBe('lab-secondary');
    expect(regionOfArn('arn:aws:rds::123456789012:global-cluster:g')).toBeUndefined();
  });
});
