/**
 * The engine's AWS step against the real SDK clients with send() mocked (aws-sdk-client-mock):
 * create records written before and after the call, run tags, masking, adoption on resume,
 * accepted errors and forEach captures.
 */
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DBClusterAlreadyExistsFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ListTagsForResourceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { AuthorizeSecurityGroupIngressCommand, EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { AwsError } from '../../src/errors.js';
import { MemoryReporter } from '../../src/events.js';
import { buildContext } from '../../src/engine/context.js';
import type { Execution } from '../../src/engine/execution.js';
import { planRun } from '../../src/engine/planner.js';
import { runSteps } from '../../src/engine/runner.js';
import { TAG_LAB, TAG_RUN_ID } from '../../src/engine/tags.js';
import type { Target } from '../../src/engine/target.js';
import { parseLab } from '../../src/labs/loader.js';
import { STATE_FILE, STATE_VERSION, writeState, type RunState } from '../../src/state/run-state.js';

const rds = mockClient(RDSClient);
const ec2 = mockClient(EC2Client);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'aurora-lab-engine-'));
afterAll(() => {
  rds.restore();
  ec2.restore();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  rds.reset();
  ec2.reset();
});

const RUN = 'eng123';
const PREFIX = `al-${RUN}`;
const CLUSTER_ARN = `arn:aws:rds:us-east-1:123456789012:cluster:${PREFIX}`;

const LAB = parseLab(
  `name: engine-lab
title: Engine
level: beginner
engines: [aurora-postgresql]
summary: s
estimate: { minutes: 1 }
steps:
  - id: create-cluster
    kind: aws
    title: Create the cluster
    operation: CreateDBCluster
    input:
      DBClusterIdentifier: "{{ run.prefix }}"
      Engine: "{{ engine }}"
      MasterUsername: admin
      MasterUserPassword: hunter2-secret
      Tags: [{ Key: team, Value: data }]
    capture: { endpoint: DBCluster.Endpoint }
    creates: { type: db-cluster, id: "{{ run.prefix }}" }
  - id: create-instances
    kind: aws
    title: Add instances
    operation: CreateDBInstance
    forEach: [0, 1, 2]
    input:
      DBInstanceIdentifier: "{{ join('-', [run.prefix, to_string(item)]) }}"
      DBClusterIdentifier: "{{ run.prefix }}"
      Engine: "{{ engine }}"
      DBInstanceClass: db.t4g.medium
      PromotionTier: "{{ item }}"
    capture: { instanceIds: DBInstance.DBInstanceIdentifier, tiers: DBInstance.PromotionTier }
    creates: { type: db-instance, id: "{{ join('-', [run.prefix, to_string(item)]) }}" }
  - id: allow
    kind: aws
    title: Admit the caller
    service: ec2
    operation: AuthorizeSecurityGroupIngress
    input: { GroupId: sg-1, IpPermissions: [{ IpProtocol: tcp, FromPort: 5432, ToPort: 5432 }] }
    acceptErrors: [InvalidPermission.Duplicate]
`,
  'engine-lab.yaml',
);

interface Harness {
  ex: Execution;
  reporter: MemoryReporter;
  dir: string;
  stateOnDisk(): RunState;
  run(stepIds: string[]): Promise<void>;
}

let n = 0;
async function harness(initial: Partial<RunState> = {}): Promise<Harness> {
  const dir = path.join(tmp, `run-${n++}`);
  const now = new Date().toISOString();
  const state: RunState = {
    version: STATE_VERSION,
    runId: RUN,
    lab: LAB.name,
    labFile: 'engine-lab.yaml',
    engine: 'aurora-postgresql',
    target: 'aws',
    region: 'us-east-1',
    params: {},
    status: 'running',
    keep: false,
    createdAt: now,
    updatedAt: now,
    expiresAt: '2030-01-01T00:00:00.000Z',
    steps: {},
    vars: {},
    measurements: {},
    checks: [],
    resources: [],
    ...initial,
  };
  const clients = new AwsClients({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' }, maxAttempts: 1 });
  const target: Target = {
    name: 'aws',
    region: 'us-east-1',
    clients,
    capabilities: { network: true, sql: false, pollScale: 0, unsupported: [] },
    caBundle: async () => undefined,
    save: async () => {},
    close: async () => clients.destroy(),
  };
  const reporter = new MemoryReporter();
  const ex: Execution = {
    lab: LAB,
    state,
    target,
    reporter,
    signal: new AbortController().signal,
    dir,
    probes: new Map(),
    secrets: new Set(),
    persist: () => writeState(state, dir),
  };
  return {
    ex,
    reporter,
    dir,
    stateOnDisk: () => JSON.parse(readFileSync(path.join(dir, STATE_FILE), 'utf8')) as RunState,
    async run(stepIds) {
      const plan = planRun(LAB, state, target.capabilities);
      plan.steps = plan.steps.filter((p) => stepIds.includes(p.step.id));
      await runSteps(ex, plan);
    },
  };
}

const clusterOutput = (input: Record<string, unknown>) => ({
  DBCluster: { DBClusterIdentifier: input.DBClusterIdentifier, DBClusterArn: CLUSTER_ARN, Endpoint: `${PREFIX}.cluster-x.rds.amazonaws.com`, Status: 'creating' },
});

let h: Harness;
afterEach(async () => h?.ex.target.close());

describe('aws step', () => {
  it("records the create in state as 'creating' before the SDK call is sent, and 'created' right after", async () => {
    h = await harness();
    const seen: string[] = [];
    rds.on(CreateDBClusterCommand).callsFake((input: Record<string, unknown>) => {
      const onDisk = h.stateOnDisk();
      seen.push(...onDisk.resources.map((r) => `${r.type} ${r.id} ${r.status}`));
      return clusterOutput(input);
    });
    await h.run(['create-cluster']);
    expect(seen).toEqual([`db-cluster ${PREFIX} creating`]);
    const after = h.stateOnDisk();
    expect(after.resources).toHaveLength(1);
    expect(after.resources[0]).toMatchObject({ type: 'db-cluster', id: PREFIX, status: 'created', stepId: 'create-cluster', arn: CLUSTER_ARN });
    expect(after.steps['create-cluster']!.status).toBe('done');
    expect(after.vars.endpoint).toBe(`${PREFIX}.cluster-x.rds.amazonaws.com`);
    expect(h.reporter.codes()).toContain('resource.created');
  });

  it("adds the run's tags to a create input and keeps the lab's own tags", async () => {
    h = await harness();
    rds.on(CreateDBClusterCommand).callsFake(clusterOutput);
    await h.run(['create-cluster']);
    const sent = rds.commandCalls(CreateDBClusterCommand)[0]!.args[0].input;
    expect(sent.Tags).toEqual([
      { Key: 'team', Value: 'data' },
      { Key: TAG_RUN_ID, Value: RUN },
      { Key: TAG_LAB, Value: 'engine-lab' },
      { Key: 'aurora-lab:expires-at', Value: '2030-01-01T00:00:00.000Z' },
    ]);
  });

  it('sends secrets to the SDK but records and reports them masked as ***', async () => {
    h = await harness();
    rds.on(CreateDBClusterCommand).callsFake(clusterOutput);
    await h.run(['create-cluster']);
    expect(rds.commandCalls(CreateDBClusterCommand)[0]!.args[0].input.MasterUserPassword).toBe('hunter2-secret');
    const recorded = h.stateOnDisk().steps['create-cluster']!.calls[0]!;
    expect(recorded).toMatchObject({ service: 'rds', operation: 'CreateDBCluster' });
    expect((recorded.input as Record<string, unknown>).MasterUserPassword).toBe('***');
    expect((recorded.input as Record<string, unknown>).MasterUsername).toBe('admin');
    expect(readFileSync(path.join(h.dir, STATE_FILE), 'utf8')).not.toContain('hunter2');
    expect(JSON.stringify(h.reporter.events)).not.toContain('hunter2');
  });

  it('on resume, an AlreadyExists for a resource tagged with this run adopts it without a second record', async () => {
    h = await harness({
      resources: [{ type: 'db-cluster', id: PREFIX, region: 'us-east-1', status: 'creating', stepId: 'create-cluster', createdAt: new Date().toISOString() }],
    });
    rds.on(CreateDBClusterCommand).rejects(new DBClusterAlreadyExistsFault({ message: 'DB Cluster already exists', $metadata: { httpStatusCode: 400 } }));
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [{ DBClusterIdentifier: PREFIX, DBClusterArn: CLUSTER_ARN, Status: 'available', Endpoint: 'adopted.example', TagList: [{ Key: TAG_RUN_ID, Value: RUN }] }],
    });
    rds.on(ListTagsForResourceCommand).resolves({ TagList: [{ Key: TAG_RUN_ID, Value: RUN }] });
    await h.run(['create-cluster']);
    const state = h.stateOnDisk();
    expect(state.resources).toEqual([expect.objectContaining({ type: 'db-cluster', id: PREFIX, status: 'created' })]);
    expect(state.vars.endpoint).toBe('adopted.example');
    expect(rds.commandCalls(CreateDBClusterCommand)).toHaveLength(1);
    expect(h.reporter.codes()).toContain('resource.adopted');
  });

  it("on resume, an AlreadyExists for a resource that is not this run's is refused (RESOURCE_CONFLICT) and its record dropped", async () => {
    h = await harness({
      resources: [{ type: 'db-cluster', id: PREFIX, region: 'us-east-1', status: 'creating', stepId: 'create-cluster', createdAt: new Date().toISOString() }],
    });
    rds.on(CreateDBClusterCommand).rejects(new DBClusterAlreadyExistsFault({ message: 'DB Cluster already exists', $metadata: { httpStatusCode: 400 } }));
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [{ DBClusterIdentifier: PREFIX, DBClusterArn: CLUSTER_ARN, Status: 'available', TagList: [{ Key: TAG_RUN_ID, Value: 'otherrun' }] }],
    });
    rds.on(ListTagsForResourceCommand).resolves({ TagList: [{ Key: TAG_RUN_ID, Value: 'otherrun' }] });
    const err = await h.run(['create-cluster']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsError);
    expect((err as AwsError).code).toBe('RESOURCE_CONFLICT');
    expect((err as AwsError).hint).toContain('otherrun');
    const state = h.stateOnDisk();
    expect(state.resources).toEqual([]);
    expect(state.steps['create-cluster']!.status).toBe('failed');
  });

  it('an untagged resource with the same name on a fresh run is refused too, and nothing is recorded for it', async () => {
    h = await harness();
    rds.on(CreateDBClusterCommand).rejects(new DBClusterAlreadyExistsFault({ message: 'DB Cluster already exists', $metadata: { httpStatusCode: 400 } }));
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ DBClusterIdentifier: PREFIX, DBClusterArn: CLUSTER_ARN, Status: 'available', TagList: [] }] });
    rds.on(ListTagsForResourceCommand).resolves({ TagList: [] });
    const err = await h.run(['create-cluster']).catch((e: unknown) => e);
    expect((err as AwsError).code).toBe('RESOURCE_CONFLICT');
    expect(h.stateOnDisk().resources).toEqual([]);
  });

  it('an error code listed in acceptErrors counts as success', async () => {
    h = await harness();
    ec2.on(AuthorizeSecurityGroupIngressCommand).rejects(
      new EC2ServiceException({ name: 'InvalidPermission.Duplicate', $fault: 'client', message: 'the rule already exists', $metadata: { httpStatusCode: 400 } }),
    );
    await h.run(['allow']);
    expect(h.stateOnDisk().steps.allow!.status).toBe('done');
    expect(h.reporter.codes()).toContain('aws.accepted-error');
  });

  it('an error code not in acceptErrors fails the step', async () => {
    h = await harness();
    ec2.on(AuthorizeSecurityGroupIngressCommand).rejects(
      new EC2ServiceException({ name: 'InvalidGroup.NotFound', $fault: 'client', message: 'no such group', $metadata: { httpStatusCode: 400 } }),
    );
    const err = await h.run(['allow']).catch((e: unknown) => e);
    expect((err as AwsError).awsCode).toBe('InvalidGroup.NotFound');
    expect(h.stateOnDisk().steps.allow!.status).toBe('failed');
  });

  it('forEach sends one call per item and its captures become lists in item order, each create recorded', async () => {
    h = await harness();
    rds.on(CreateDBInstanceCommand).callsFake((input: Record<string, unknown>) => ({
      DBInstance: { DBInstanceIdentifier: input.DBInstanceIdentifier, PromotionTier: input.PromotionTier, DBInstanceStatus: 'creating' },
    }));
    await h.run(['create-instances']);
    const ids = [0, 1, 2].map((i) => `${PREFIX}-${i}`);
    const state = h.stateOnDisk();
    expect(state.vars.instanceIds).toEqual(ids);
    expect(state.vars.tiers).toEqual([0, 1, 2]);
    expect(state.resources.map((r) => `${r.id} ${r.status}`).sort()).toEqual(ids.map((id) => `${id} created`));
    expect(rds.commandCalls(CreateDBInstanceCommand).map((c) => c.args[0].input.DBInstanceIdentifier).sort()).toEqual(ids);
    expect(state.steps['create-instances']!.calls).toHaveLength(3);
  });

  it('a resumed forEach create does not send the create again for an instance recorded as created, nor record it twice', async () => {
    h = await harness({
      resources: [{ type: 'db-instance', id: `${PREFIX}-0`, region: 'us-east-1', status: 'created', stepId: 'create-instances', createdAt: new Date().toISOString() }],
    });
    rds.on(CreateDBInstanceCommand).callsFake((input: Record<string, unknown>) => ({ DBInstance: { DBInstanceIdentifier: input.DBInstanceIdentifier, PromotionTier: input.PromotionTier } }));
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ DBInstanceIdentifier: `${PREFIX}-0`, PromotionTier: 0, DBInstanceStatus: 'creating', TagList: [{ Key: TAG_RUN_ID, Value: RUN }] }],
    });
    rds.on(ListTagsForResourceCommand).resolves({ TagList: [{ Key: TAG_RUN_ID, Value: RUN }] });
    await h.run(['create-instances']);
    expect(rds.commandCalls(CreateDBInstanceCommand).map((c) => c.args[0].input.DBInstanceIdentifier).sort()).toEqual([`${PREFIX}-1`, `${PREFIX}-2`]);
    const state = h.stateOnDisk();
    expect(state.resources.map((r) => `${r.id} ${r.status}`).sort()).toEqual([0, 1, 2].map((i) => `${PREFIX}-${i} created`));
    expect(state.vars.instanceIds).toEqual([0, 1, 2].map((i) => `${PREFIX}-${i}`));
    expect(h.reporter.codes()).toContain('resource.adopted');
  });

  it('a resource recorded as created that is gone by the resume is created again', async () => {
    h = await harness({
      resources: [{ type: 'db-cluster', id: PREFIX, region: 'us-east-1', status: 'created', stepId: 'create-cluster', createdAt: new Date().toISOString() }],
    });
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    rds.on(CreateDBClusterCommand).callsFake(clusterOutput);
    await h.run(['create-cluster']);
    expect(rds.commandCalls(CreateDBClusterCommand)).toHaveLength(1);
    expect(h.stateOnDisk().resources).toEqual([expect.objectContaining({ id: PREFIX, status: 'created' })]);
  });

  it('the run context names the run prefix and tags used above', () => {
    const ctx = buildContext(LAB, { runId: RUN, region: 'us-east-1', engine: 'aurora-mysql', expiresAt: 'x', params: {}, vars: {}, measurements: {} } as unknown as RunState, {
      name: 'dry-run',
      capabilities: { network: false, sql: false, pollScale: 0, unsupported: [] },
    });
    expect(ctx.run.prefix).toBe(PREFIX);
    expect(ctx.family).toBe('mysql');
    expect(ctx.port).toBe(3306);
    expect(ctx.tags.map((t) => t.Key)).toEqual([TAG_RUN_ID, TAG_LAB, 'aurora-lab:expires-at']);
  });
});
