import {
  CreateDBClusterCommand,
  CreateIntegrationCommand,
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  ModifyDBClusterCommand,
  RDSClient,
  RDSServiceException,
} from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { SimError } from '../../src/sim/types.js';
import { SIM_CREDENTIALS, scriptedSimServer } from './sim-fixture.js';

const server = scriptedSimServer();
const rds = () => new RDSClient(server.clientConfig('eu-west-1'));

/** The cluster that both the CreateDBCluster input and the DescribeDBClusters answer below are about. */
const LAB_CLUSTER = { DBClusterIdentifier: 'lab-cluster', Engine: 'aurora-postgresql', Port: 5432 };

describe('AWS Query through the real RDS client', () => {
  it('hands the handler exactly the input the SDK was given', async () => {
    const input = {
      ...LAB_CLUSTER,
      EngineVersion: '16.4',
      MasterUsername: 'postgres',
      MasterUserPassword: 'not-a-real-one',
      StorageEncrypted: true,
      DeletionProtection: false,
      BackupRetentionPeriod: 1,
      AvailabilityZones: ['eu-west-1a', 'eu-west-1b'],
      VpcSecurityGroupIds: ['sg-1', 'sg-2'],
      EnableCloudwatchLogsExports: ['postgresql'],
      Tags: [
        { Key: 'lab', Value: 'failover' },
        { Key: 'owner', Value: 'a&b <c> "d" é' },
      ],
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4.5, SecondsUntilAutoPause: 300 },
    };
    server.reply = async () => ({ DBCluster: { DBClusterIdentifier: 'lab-cluster', Status: 'creating' } });
    const out = await rds().send(new CreateDBClusterCommand(input));
    expect(server.calls).toEqual([{ service: 'rds', operation: 'CreateDBCluster', region: 'eu-west-1', input }]);
    expect(out.DBCluster).toEqual({ DBClusterIdentifier: 'lab-cluster', Status: 'creating' });
  });

  it('sends an empty list as an empty list', async () => {
    await rds().send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'c', VpcSecurityGroupIds: [] }));
    expect(server.calls[0].input).toEqual({ DBClusterIdentifier: 'c', VpcSecurityGroupIds: [] });
  });

  it('carries maps (entry.N.key / entry.N.value) both ways', async () => {
    const input = {
      SourceArn: 'arn:aws:rds:eu-west-1:000000000000:cluster:src',
      TargetArn: 'arn:aws:redshift:eu-west-1:000000000000:namespace:t',
      IntegrationName: 'zero-etl',
      AdditionalEncryptionContext: { department: 'data', 'odd key': 'a=b&c' },
    };
    server.reply = async (call) => ({ ...call.input, Status: 'creating', CreateTime: new Date('2026-01-01T00:00:00Z') });
    const out = await rds().send(new CreateIntegrationCommand(input));
    expect(server.calls[0].input).toEqual(input);
    expect(out).toMatchObject({ ...input, Status: 'creating', CreateTime: new Date('2026-01-01T00:00:00Z') });
  });

  it('gives the client back nested outputs, member lists and timestamps unchanged', async () => {
    const cluster = {
      ...LAB_CLUSTER,
      Status: 'available',
      MultiAZ: true,
      ClusterCreateTime: new Date('2026-01-02T03:04:05.678Z'),
      Endpoint: 'lab-cluster.cluster-x.eu-west-1.rds.amazonaws.com',
      DBClusterMembers: [
        { DBInstanceIdentifier: 'lab-1', IsClusterWriter: true, PromotionTier: 1, DBClusterParameterGroupStatus: 'in-sync' },
        { DBInstanceIdentifier: 'lab-2', IsClusterWriter: false, PromotionTier: 15, DBClusterParameterGroupStatus: 'in-sync' },
      ],
      VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-1', Status: 'active' }],
      AvailabilityZones: ['eu-west-1a'],
      TagList: [{ Key: 'lab', Value: 'x<y' }],
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
      ReadReplicaIdentifiers: [],
    };
    server.reply = async () => ({ DBClusters: [cluster], Marker: 'next', NotInTheSchema: 'dropped' });
    const out = await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'lab-cluster' }));
    expect(server.calls[0].input).toEqual({ DBClusterIdentifier: 'lab-cluster' });
    expect(out.DBClusters).toEqual([cluster]);
    expect(out.Marker).toBe('next');
    expect(out.DBClusters?.[0].ClusterCreateTime).toBeInstanceOf(Date);
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('turns a SimError into the SDK exception class with its message and status', async () => {
    server.reply = async () => {
      throw new SimError('DBClusterNotFoundFault', 'DBCluster nope not found.', 404);
    };
    const err = await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'nope' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DBClusterNotFoundFault);
    expect(err).toMatchObject({ name: 'DBClusterNotFoundFault', message: 'DBCluster nope not found.', $fault: 'client' });
    expect((err as DBClusterNotFoundFault).$metadata.httpStatusCode).toBe(404);
  });

  it('sends the Query code of a modelled error whose class name differs, with the modelled status', async () => {
    // DBInstanceNotFoundFault goes on the wire as DBInstanceNotFound (awsQueryError), status 404.
    server.reply = async () => {
      throw new SimError('DBInstanceNotFoundFault', 'DBInstance x not found.');
    };
    const err = await rds().send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'x' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DBInstanceNotFoundFault);
    expect((err as DBInstanceNotFoundFault).$metadata.httpStatusCode).toBe(404);
  });

  it('passes an unmodelled error code through with the SimError status', async () => {
    server.reply = async () => {
      throw new SimError('Throttling', 'Rate exceeded', 400);
    };
    const err = await rds().send(new DescribeDBClustersCommand({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RDSServiceException);
    expect(err).toMatchObject({ name: 'Throttling', message: 'Rate exceeded' });
  });

  it('answers a handler crash with InternalFailure and no detail', async () => {
    server.reply = async () => {
      throw new Error('secret stack detail');
    };
    const err = await rds().send(new DescribeDBClustersCommand({})).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InternalFailure', $fault: 'server' });
    expect((err as Error).message).not.toContain('secret');
    expect((err as RDSServiceException).$metadata.httpStatusCode).toBe(500);
  });

  it('rejects a request without a required parameter with MissingParameter, before the handler', async () => {
    const err = await rds()
      .send(new CreateDBClusterCommand({ DBClusterIdentifier: 'c' } as never))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'MissingParameter', message: 'The request must contain the parameter Engine' });
    expect((err as RDSServiceException).$metadata.httpStatusCode).toBe(400);
    expect(server.calls).toEqual([]);
  });
});

describe('AWS Query through the real STS client', () => {
  it('answers GetCallerIdentity in the client region', async () => {
    server.reply = async () => ({ Account: '000000000000', Arn: 'arn:aws:iam::000000000000:user/local', UserId: 'AIDLOCAL' });
    const sts = new STSClient({ region: 'ap-southeast-2', endpoint: server.url, credentials: SIM_CREDENTIALS });
    const out = await sts.send(new GetCallerIdentityCommand({}));
    expect(server.calls).toEqual([{ service: 'sts', operation: 'GetCallerIdentity', region: 'ap-southeast-2', input: {} }]);
    expect(out).toMatchObject({ Account: '000000000000', Arn: 'arn:aws:iam::000000000000:user/local', UserId: 'AIDLOCAL' });
  });
});
