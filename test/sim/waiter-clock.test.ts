/**
 * The SDK's waiters polled on our clock (src/aws/waiter.ts): the SDK's own acceptors decide, one check
 * per poll, and the sleeping happens on the clock given, virtual or real.
 */
import * as rdsModule from '@aws-sdk/client-rds';
import { CreateDBClusterCommand, CreateDBInstanceCommand, RDSClient, waitForDBInstanceAvailable } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { pollWaiter } from '../../src/aws/waiter.js';
import { systemClock, VirtualClock } from '../../src/clock.js';
import { AwsError, UserAbort } from '../../src/errors.js';
import { simPlugin } from '../../src/sim/in-process.js';
import { SimCloud } from '../../src/sim/model/cloud.js';

const REGION = 'us-east-1';

function setUp(instanceMs: number) {
  const clock = new VirtualClock(Date.UTC(2025, 0, 1));
  const sim = new SimCloud({ now: () => clock.now(), delays: { create: instanceMs } });
  let describes = 0;
  const client = new RDSClient({ region: REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  client.middlewareStack.use(simPlugin(sim, 'rds', rdsModule as Record<string, unknown>, REGION, (call) => void (call.operation === 'DescribeDBInstances' && describes++), (w) => clock.during(w)));
  return { clock, client, describes: () => describes };
}

async function instance(client: RDSClient) {
  await client.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', MasterUsername: 'u', MasterUserPassword: 'password1' }));
  await client.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'w', DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', DBInstanceClass: 'db.t4g.medium' }));
}

const waitFor = waitForDBInstanceAvailable as unknown as Parameters<typeof pollWaiter>[0]['waitFor'];

describe('SDK waiters on an injected clock', () => {
  it('sees a 10-minute creation within one 10 s poll, on the virtual clock, after 61 Describe calls', async () => {
    const { clock, client, describes } = setUp(600_000);
    await instance(client);
    const start = clock.now();
    await pollWaiter({ client, waitFor, input: { DBInstanceIdentifier: 'w' }, clock, maxWaitSeconds: 2400, minDelaySeconds: 10, maxDelaySeconds: 10, name: 'waitUntilDBInstanceAvailable' });
    expect(clock.now() - start).toBe(600_000);
    expect(describes()).toBe(61);
  });

  it('gives up at its maximum with WAIT_TIMEOUT', async () => {
    const { clock, client } = setUp(600_000);
    await instance(client);
    const err = await pollWaiter({ client, waitFor, input: { DBInstanceIdentifier: 'w' }, clock, maxWaitSeconds: 120, minDelaySeconds: 10, maxDelaySeconds: 10, name: 'waitUntilDBInstanceAvailable' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsError);
    expect((err as AwsError).code).toBe('WAIT_TIMEOUT');
    expect(clock.now() - Date.UTC(2025, 0, 1)).toBeLessThanOrEqual(120_000);
  });

  it('stops at once on Ctrl-C during a long real sleep', async () => {
    const { client } = setUp(600_000);
    await instance(client);
    const ac = new AbortController();
    const waiting = pollWaiter({ client, waitFor, input: { DBInstanceIdentifier: 'w' }, clock: systemClock, maxWaitSeconds: 3600, minDelaySeconds: 600, maxDelaySeconds: 600, signal: ac.signal, name: 'waitUntilDBInstanceAvailable' });
    setTimeout(() => ac.abort(), 50);
    await expect(waiting).rejects.toBeInstanceOf(UserAbort);
  });
});
