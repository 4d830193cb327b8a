import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSubnetsCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { SimError } from '../../src/sim/types.js';
import { scriptedSimServer } from './sim-fixture.js';

const server = scriptedSimServer();
const ec2 = () => new EC2Client(server.clientConfig('us-west-2'));

describe('EC2 Query through the real EC2 client', () => {
  it('decodes Filters (Filter.N.Value.N) and answers <item> lists', async () => {
    const subnets = [
      { SubnetId: 'subnet-1', VpcId: 'vpc-1', AvailabilityZone: 'us-west-2a', CidrBlock: '10.0.0.0/24', MapPublicIpOnLaunch: true, AvailableIpAddressCount: 250, Tags: [{ Key: 'Name', Value: 'a' }] },
      { SubnetId: 'subnet-2', VpcId: 'vpc-1', AvailabilityZone: 'us-west-2b', CidrBlock: '10.0.1.0/24', MapPublicIpOnLaunch: false, AvailableIpAddressCount: 251, Tags: [] },
    ];
    server.reply = async () => ({ Subnets: subnets });
    const input = {
      Filters: [
        { Name: 'vpc-id', Values: ['vpc-1'] },
        { Name: 'availability-zone', Values: ['us-west-2a', 'us-west-2b'] },
      ],
      SubnetIds: ['subnet-1', 'subnet-2'],
    };
    const out = await ec2().send(new DescribeSubnetsCommand(input));
    expect(server.calls).toEqual([{ service: 'ec2', operation: 'DescribeSubnets', region: 'us-west-2', input }]);
    expect(out.Subnets).toEqual(subnets);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('creates a security group with tag specifications', async () => {
    server.reply = async () => ({ GroupId: 'sg-123', Tags: [{ Key: 'lab', Value: 'x' }] });
    const input = {
      GroupName: 'aurora-lab',
      Description: 'lab access',
      VpcId: 'vpc-1',
      TagSpecifications: [{ ResourceType: 'security-group' as const, Tags: [{ Key: 'lab', Value: 'x' }] }],
    };
    const out = await ec2().send(new CreateSecurityGroupCommand(input));
    expect(server.calls[0].input).toEqual(input);
    expect(out).toMatchObject({ GroupId: 'sg-123', Tags: [{ Key: 'lab', Value: 'x' }] });
  });

  it('decodes IpPermissions with ranges and answers booleans and nested rules', async () => {
    const input = {
      GroupId: 'sg-123',
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 5432,
          ToPort: 5432,
          IpRanges: [{ CidrIp: '203.0.113.7/32', Description: 'my laptop' }],
          UserIdGroupPairs: [{ GroupId: 'sg-456' }],
        },
      ],
    };
    const rules = [{ SecurityGroupRuleId: 'sgr-1', GroupId: 'sg-123', IsEgress: false, IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, CidrIpv4: '203.0.113.7/32' }];
    server.reply = async () => ({ Return: true, SecurityGroupRules: rules });
    const out = await ec2().send(new AuthorizeSecurityGroupIngressCommand(input));
    expect(server.calls[0].input).toEqual(input);
    expect(out.Return).toBe(true);
    expect(out.SecurityGroupRules).toEqual(rules);
  });

  it('answers errors in the EC2 <Response><Errors> shape', async () => {
    server.reply = async () => {
      throw new SimError('InvalidGroup.NotFound', "The security group 'sg-9' does not exist", 400);
    };
    const err = await ec2().send(new AuthorizeSecurityGroupIngressCommand({ GroupId: 'sg-9' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EC2ServiceException);
    expect(err).toMatchObject({ name: 'InvalidGroup.NotFound', message: "The security group 'sg-9' does not exist" });
    expect((err as EC2ServiceException).$metadata.httpStatusCode).toBe(400);
  });

  it('rejects a missing required parameter with MissingParameter', async () => {
    const err = await ec2()
      .send(new CreateSecurityGroupCommand({ GroupName: 'g' } as never))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'MissingParameter', message: 'The request must contain the parameter Description' });
    expect(server.calls).toEqual([]);
  });
});
