import * as rdsModule from '@aws-sdk/client-rds';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RDSServiceException,
  waitUntilDBClusterAvailable,
  waitUntilDBInstanceAvailable,
} from '@aws-sdk/client-rds';
import * as ec2Module from '@aws-sdk/client-ec2';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import * as smModule from '@aws-sdk/client-secrets-manager';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as stsModule from '@aws-sdk/client-sts';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { simPlugin } from '../../src/sim/in-process.js';
import { SimCloud } from '../../src/sim/model/cloud.js';
import { SimError, type SimCall } from '../../src/sim/types.js';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };

function rdsClient(sim: SimCloud, onValidate?: Parameters<typeof simPlugin>[4]) {
  const client = new RDSClient({ region: REGION, credentials });
  client.middlewareStack.use(simPlugin(sim, 'rds', rdsModule as Record<string, unknown>, REGION, onValidate));
  return client;
}

const CLUSTER = { DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', MasterUsername: 'admin_user', MasterUserPassword: 'secret-pass-1' };

describe('in-process transport', () => {
  it('answers real SDK commands from the model, with $metadata, without any network', async () => {
    const sim = new SimCloud();
    const client = rdsClient(sim);
    const out = await client.send(new CreateDBClusterCommand(CLUSTER));
    expect(out.DBCluster?.Status).toBe('creating');
    expect(out.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 1, requestId: expect.any(String) });
    const described = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'lab' }));
    expect(described.DBClusters?.[0]?.Status).toBe('available');
    expect(described.DBClusters?.[0]?.ClusterCreateTime).toBeInstanceOf(Date);
  });

  it('works with the SDK waiters, which succeed on the first check with zero delays', async () => {
    const client = rdsClient(new SimCloud());
    await client.send(new CreateDBClusterCommand(CLUSTER));
    await client.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'w', DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' }));
    const started = Date.now();
    expect((await waitUntilDBClusterAvailable({ client, minDelay: 1, maxWaitTime: 5 }, { DBClusterIdentifier: 'lab' })).state).toBe('SUCCESS');
    expect((await waitUntilDBInstanceAvailable({ client, minDelay: 1, maxWaitTime: 5 }, { DBInstanceIdentifier: 'w' })).state).toBe('SUCCESS');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("raises the SDK's own exception classes, mapping wire codes to class names", async () => {
    const client = rdsClient(new SimCloud());
    const cluster = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'ghost' })).catch((e: unknown) => e);
    expect(cluster).toBeInstanceOf(DBClusterNotFoundFault);
    expect(cluster).toMatchObject({ name: 'DBClusterNotFoundFault', $fault: 'client', $metadata: { httpStatusCode: 404 } });
    const instance = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'ghost' })).catch((e: unknown) => e);
    expect(instance).toBeInstanceOf(DBInstanceNotFoundFault);
  });

  it('falls back to the service exception, named by the code, for unmodeled errors', async () => {
    const sim = new SimCloud();
    const client = rdsClient(sim);
    await client.send(new CreateDBClusterCommand(CLUSTER));
    const err = await client
      .send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'w', DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large', MasterUsername: 'x' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RDSServiceException);
    expect(err).toMatchObject({ name: 'InvalidParameterCombination', $fault: 'client' });

    const ec2 = new EC2Client({ region: REGION, credentials });
    ec2.middlewareStack.use(simPlugin(sim, 'ec2', ec2Module as Record<string, unknown>, REGION));
    const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'g', Description: 'g' }));
    const rule = { GroupId: sg.GroupId, IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, CidrIp: '198.51.100.1/32' };
    await ec2.send(new AuthorizeSecurityGroupIngressCommand(rule));
    const dup = await ec2.send(new AuthorizeSecurityGroupIngressCommand(rule)).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(EC2ServiceException);
    expect(dup).toMatchObject({ name: 'InvalidPermission.Duplicate' });
  });

  it('lets the SDK retry an injected throttling error and then succeed', async () => {
    let throttles = 2;
    const seen: SimCall[] = [];
    const sim = new SimCloud({
      inject: (call) => {
        seen.push(call);
        return call.operation === 'DescribeDBClusters' && throttles-- > 0 ? new SimError('Throttling', 'Rate exceeded', 400) : undefined;
      },
    });
    const out = await rdsClient(sim).send(new DescribeDBClustersCommand({}));
    expect(out.DBClusters).toEqual([]);
    expect(out.$metadata.attempts).toBe(3);
    expect(seen).toHaveLength(3);
  });

  it('lets the SDK retry a 5xx, and gives up with the error after its attempts', async () => {
    const sim = new SimCloud({ inject: () => new SimError('InternalFailure', 'try later', 503, 'server') });
    const client = new STSClient({ region: REGION, credentials, maxAttempts: 2 });
    client.middlewareStack.use(simPlugin(sim, 'sts', stsModule as Record<string, unknown>, REGION));
    const err = await client.send(new GetCallerIdentityCommand({})).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 503, attempts: 2 } });
  });

  it('validates the input against the SDK schema before the model sees it', async () => {
    const calls: string[] = [];
    const sim = new SimCloud({ inject: (c) => void calls.push(c.operation) });
    const client = rdsClient(sim);
    const err = await client.send(new CreateDBClusterCommand({ Engine: 'aurora-postgresql' } as never)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RDSServiceException);
    expect(err).toMatchObject({ name: 'ValidationError', message: expect.stringContaining('DBClusterIdentifier') });
    expect(calls).toEqual([]);
  });

  it('lets onValidate see and replace the problems', async () => {
    const seen: string[][] = [];
    const client = rdsClient(new SimCloud(), (_call, problems) => {
      seen.push(problems);
      return [];
    });
    // Schema problem ignored by the hook: the model then refuses the call with its own error.
    const err = await client.send(new CreateDBClusterCommand({ Engine: 'aurora-postgresql' } as never)).catch((e: unknown) => e);
    expect(seen[0]!.length).toBeGreaterThan(0);
    expect(err).toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('serves Secrets Manager and STS with their own clients and exceptions', async () => {
    const sim = new SimCloud({ accountId: '999988887777' });
    const sts = new STSClient({ region: REGION, credentials });
    sts.middlewareStack.use(simPlugin(sim, 'sts', stsModule as Record<string, unknown>, REGION));
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe('999988887777');
    const sm = new SecretsManagerClient({ region: REGION, credentials });
    sm.middlewareStack.use(simPlugin(sim, 'secrets-manager', smModule as Record<string, unknown>, REGION));
    const err = await sm.send(new GetSecretValueCommand({ SecretId: 'nope' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
  });
});
