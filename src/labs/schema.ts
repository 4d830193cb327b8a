/**
 * The lab file schema: one zod schema from which the loader validates, the engine takes its types,
 * and `npm run schema` writes the JSON Schema that editors use (labs/lab.schema.json).
 *
 * Values that are strings may hold templates: `{{ jmespath }}` evaluated against the run context
 * (see template.ts). A string that is exactly one template keeps the expression's type.
 *
 * Resolvers: an object with exactly one of these keys is replaced by a value made when the step runs.
 * They are few on purpose, and each exists because a template can only give JSON:
 *   { $date: 600 | "<ISO 8601>" }             a Date (SDK timestamps): seconds from now or a time
 *   { $generatePassword: { length: 32 } }     a new random password (letters and digits, 8-128),
 *                                             known to the run as a secret (redacted everywhere)
 *   { $json: <value> }                        the rendered value as JSON text (a SecretString)
 *   { $secretValue: { secretId, key } }       aws steps only: read from Secrets Manager just before
 *                                             the call is sent (key: a member of its JSON), never stored
 * A generated or read value goes only into the call being sent; put it in a member the SDK marks
 * sensitive (MasterUserPassword, SecretString) so the recorded call shows "***".
 */
import { z } from 'zod';

export const ENGINES = ['aurora-postgresql', 'aurora-mysql'] as const;
export const LEVELS = ['beginner', 'intermediate', 'advanced', 'expert'] as const;
export const SERVICES = ['rds', 'sts', 'ec2', 'secrets-manager', 'cloudwatch', 'pi', 'tagging', 'logs', 'iam'] as const;
export const RESOURCE_TYPES = [
  'global-cluster',
  'db-cluster',
  'db-instance',
  'db-cluster-snapshot',
  'db-snapshot',
  'db-subnet-group',
  'db-cluster-parameter-group',
  'db-parameter-group',
  'security-group',
  /** A Secrets Manager secret the run made (a password it generated: global database members). */
  'secret',
  /** An IAM role the run made (Enhanced Monitoring's, assumed by monitoring.rds.amazonaws.com). */
  'iam-role',
  /** A CloudWatch metric alarm. */
  'cloudwatch-alarm',
  /** A CloudWatch Logs log group the run made (before RDS writes into it, so that it is tagged and deleted). */
  'log-group',
] as const;

export type Engine = (typeof ENGINES)[number];
export type Service = (typeof SERVICES)[number];
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/**
 * The zod schemas, built on first use: only a lab that is not in the cache (lab-cache.ts) is validated,
 * and building them cost a measurable part of every start-up.
 */
function build() {
  const id = z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'must be lowercase letters, digits and hyphens, starting with a letter');
  const varName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a name like clusterEndpoint');
  /** JMESPath expression (checked by the loader, which compiles every one). */
  const jmes = z.string().min(1);
  const templated = z.unknown();
  const prose = z.string().min(1);

  /** name -> JMESPath over the step's result: what later steps may use as {{ vars.name }}. */
  const captures = z.record(varName, jmes);

  const base = {
    id,
    title: z.string().min(1),
    /** What happens and why: printed for the learner as the step runs. */
    explain: prose.optional(),
    /** What the learner should notice afterwards. */
    notice: prose.optional(),
    /** JMESPath over the run context; the step is skipped when it is falsy. */
    when: jmes.optional(),
    /**
     * `aurora-lab verify` runs this step again on a kept run: it checks the state the run leaves behind
     * and is safe to repeat (read-only SQL, a Describe, a check over what those capture). Unmarked steps
     * are about a moment of the run (before a failover) or change something, and verify leaves them out.
     */
    verify: z.boolean().optional(),
  };

  const resourceDecl = z.strictObject({
    type: z.enum(RESOURCE_TYPES),
    /** Identifier (templated): DBClusterIdentifier, DBInstanceIdentifier, GroupId ... */
    id: z.string().min(1),
    /** Where it lives, when not in the run's region (global database secondaries). */
    region: z.string().optional(),
  });

  const awsCall = {
    service: z.enum(SERVICES).default('rds'),
    /** SDK operation name: the command class name without "Command" (CreateDBCluster). */
    operation: z.string().regex(/^[A-Z][A-Za-z0-9]+$/, 'must be an SDK operation name such as CreateDBCluster'),
    input: z.record(z.string(), templated).default({}),
    /** Call the API in another region than the run's (templated). */
    region: z.string().optional(),
  };

  /** A list, or a template giving a list or a count n (the step runs for items 1..n). */
  const forEach = z.union([z.string(), z.array(templated)]);

  const awsStep = z.strictObject({
    ...base,
    kind: z.literal('aws'),
    ...awsCall,
    capture: captures.optional(),
    /** The resource this call creates: recorded as soon as the call returns, deleted by teardown. */
    creates: resourceDecl.optional(),
    /** Run the call once per item, concurrently; {{ item }} is the item, captures become lists. */
    forEach: forEach.optional(),
    /** AWS error codes that count as success (for example an ingress rule that already exists). */
    acceptErrors: z.array(z.string()).optional(),
  });

  const waitStep = z.strictObject({
    ...base,
    kind: z.literal('wait'),
    service: z.enum(SERVICES).default('rds'),
    /** SDK waiter name without "waitUntil": DBClusterAvailable, DBInstanceAvailable, DBSnapshotCompleted ... */
    waiter: z.string().regex(/^[A-Z][A-Za-z0-9]+$/),
    input: z.record(z.string(), templated).default({}),
    region: z.string().optional(),
    maxWaitSeconds: z.number().int().positive().max(7200),
    forEach: forEach.optional(),
  });

  const pollStep = z.strictObject({
    ...base,
    kind: z.literal('poll'),
    ...awsCall,
    /** JMESPath over the output that must become truthy. */
    until: jmes,
    /**
     * JMESPath over the same output that ends the wait as a failure when truthy: a state the resource
     * does not leave by itself (a restore that went "failed"), so the run stops at once instead of
     * waiting out maxWaitSeconds.
     */
    failWhen: jmes.optional(),
    maxWaitSeconds: z.number().int().positive().max(7200),
    intervalSeconds: z.number().positive().max(300).default(5),
    capture: captures.optional(),
    /**
     * If the condition is not met after this long, run the named aws step again (at most once per
     * afterSeconds), and only when `when` (JMESPath over the same poll output, templated) holds: AWS
     * refuses most operations while the resource is still changing.
     */
    reissue: z.strictObject({ step: id, afterSeconds: z.number().positive(), when: jmes.optional() }).optional(),
    /** Record the time from the named step's call to the condition being met, in ms. */
    measure: z.strictObject({ name: varName, from: id }).optional(),
  });

  const statement = z.strictObject({
    /** Templated (for identifiers); values belong in params. */
    sql: z.string().min(1),
    /** Parameters ($1 / ?), templated. */
    params: z.array(templated).optional(),
    /** JMESPath over { rows, rowCount } (or over { error: { code, message } } when expectError is set). */
    expect: jmes.optional(),
    /** The SQL error the statement must fail with: SQLSTATE (25006) or MySQL errno (1290). */
    expectError: z.union([z.string(), z.array(z.string())]).optional(),
    /** The sentence an expect/expectError proves, as the learner reads it (required with them; a load-time rule). */
    check: z.string().optional(),
    capture: captures.optional(),
    /** Repeat until expect holds (replica lag), at most this long. */
    retryUntil: z.strictObject({ maxSeconds: z.number().positive(), intervalMs: z.number().int().positive().default(20) }).optional(),
    /** Record elapsed ms of this statement (with retries) as a measurement. */
    measureAs: varName.optional(),
  });

  const statements = z.union([
    z.array(statement).min(1),
    z.strictObject({ postgres: z.array(statement).min(1), mysql: z.array(statement).min(1) }),
  ]);

  const sqlStep = z.strictObject({
    ...base,
    kind: z.literal('sql'),
    /** Name of a lab-level connection. */
    connection: varName,
    /** Fields of the connection to replace for this step (host of one instance, a different user ...). */
    override: z.record(z.string(), templated).optional(),
    /** How long opening the connection may take (default 5 s): a paused Serverless v2 instance resumes first. */
    connectTimeoutSeconds: z.number().positive().max(300).optional(),
    /**
     * How long one statement may run before the run gives up on it (default 30 s): a step that holds a
     * statement on purpose (a session kept busy through an alarm's period) says how long it needs.
     */
    queryTimeoutSeconds: z.number().positive().max(3600).optional(),
    /** Record the ms from starting to connect until the session is open (TLS and login included) as a measurement. */
    measureConnectAs: varName.optional(),
    forEach: forEach.optional(),
    statements,
  });

  const probeStartStep = z.strictObject({
    ...base,
    kind: z.literal('probe-start'),
    probe: varName,
    /** Connection the probe writes through (the cluster endpoint). */
    connection: varName,
    /** Connection the probe reads through (the reader endpoint). */
    readConnection: varName.optional(),
    intervalMs: z.number().int().min(10).max(1000).default(100),
    /**
     * A probe dies with the process that started it. A run resumed before the probe's stop repeats the
     * probe's window: from this earlier step (default: the probe-start itself) through the probe-stop.
     */
    resumeFrom: id.optional(),
  });

  const probeStopStep = z.strictObject({
    ...base,
    kind: z.literal('probe-stop'),
    probe: varName,
    /** Checks that no acknowledged write was lost, reading back through this connection. */
    verifyConnection: varName.optional(),
    /**
     * With verifyConnection, after a failover that may lose writes (FailoverGlobalCluster with
     * AllowDataLoss): count the acknowledged writes missing (lostWrites) and the time they span
     * (lostWritesWindowMs), and check that what survived is a consistent prefix, instead of requiring none lost.
     */
    allowDataLoss: z.boolean().optional(),
    /** Record the time from the named step's call to the probe's first write acknowledged after it (by recovery.writer, when given), in ms. */
    measure: z.strictObject({ name: varName, from: id }).optional(),
    /** Prefix for this probe's measurements, so that two probes in one lab keep theirs apart: target -> targetWriteOutageMs. */
    measurementPrefix: varName.optional(),
    /**
     * Do not stop before the outage is over: wait until the newest write was acknowledged (by `writer`,
     * templated, when given), then record `settleMs` more. After `maxWaitSeconds` the probe stops with
     * the outage open, and the check that writes came back fails.
     */
    recovery: z
      .strictObject({
        writer: z.string().optional(),
        maxWaitSeconds: z.number().positive().max(600).default(60),
        settleMs: z.number().int().min(0).max(60_000).default(1000),
      })
      .optional(),
  });

  const checkStep = z.strictObject({
    ...base,
    kind: z.literal('check'),
    name: z.string().min(1),
    /** JMESPath over the run context that must be truthy. */
    assert: jmes,
    /**
     * When the inputs count as measured (each must be truthy), beyond the rule that every vars.x and
     * measurements.x the assert names must exist: "measurements.acknowledgedWrites > `0`". Otherwise the
     * check fails as not measured instead of holding vacuously.
     */
    measured: z.array(jmes).optional(),
    /** Templated text shown with the verdict. */
    detail: z.string().optional(),
    /** A failed check stops the run at once (a lookup that found nothing): nothing after it is created. */
    stop: z.boolean().optional(),
  });

  const measureStep = z.strictObject({
    ...base,
    kind: z.literal('measure'),
    name: varName,
    value: templated,
    unit: z.string().optional(),
    /** The value is a series (a list, or metric datapoints): kept for the report's charts instead of as a measurement. */
    series: z.boolean().optional(),
  });

  const noteStep = z.strictObject({
    ...base,
    kind: z.literal('note'),
  });

  const step = z.discriminatedUnion('kind', [
    awsStep,
    waitStep,
    pollStep,
    sqlStep,
    probeStartStep,
    probeStopStep,
    checkStep,
    measureStep,
    noteStep,
  ]);

  const connection = z.strictObject({
    host: templated,
    port: templated,
    user: templated,
    database: templated,
    /** Secrets Manager ARN of the master user secret (ManageMasterUserPassword). */
    secretArn: templated.optional(),
    /** Log in with an IAM token from @aws-sdk/rds-signer instead of a password. */
    iamAuth: templated.optional(),
    /** TLS is on and verified unless this is false (used only by negative checks). */
    tls: templated.optional(),
    /** A password as text (only for negative checks: a tampered token). */
    password: templated.optional(),
    /**
     * With iamAuth and tls: false, send the token anyway so that the server's refusal is what is
     * checked. Honoured on the local target only, to a loopback address only; anywhere else the run stops.
     */
    sendTokenInClear: templated.optional(),
  });

  const param = z.strictObject({
    default: z.union([z.string(), z.number(), z.boolean()]),
    description: z.string().min(1),
  });

  const lab = z.strictObject({
    $schema: z.string().optional(),
    name: id,
    title: z.string().min(1),
    level: z.enum(LEVELS),
    engines: z.array(z.enum(ENGINES)).min(1),
    summary: prose,
    /** What the lab teaches, one line each (for show and the README). */
    teaches: z.array(z.string()).optional(),
    estimate: z.strictObject({
      minutes: z.number().positive(),
      /** Instance-hours are priced from the price table for this class, or per engine where the engines need different classes. */
      instanceClass: z.union([z.string(), z.partialRecord(z.enum(ENGINES), z.string())]).optional(),
      instances: z.number().int().nonnegative().default(0),
      acuHours: z.number().nonnegative().optional(),
      /** The highest Serverless v2 capacity the estimate allows for; the cost guard stops a run whose range goes higher. */
      maxAcu: z.number().nonnegative().optional(),
    }),
    /** Features a target must support (a target that lacks one stops the run before it creates anything). */
    requires: z.array(z.enum(['iam-auth', 'serverless-v2', 'performance-insights', 'global-database', 'snapshot-restore', 'failover'])).default([]),
    params: z.record(varName, param).default({}),
    connections: z.record(varName, connection).default({}),
    steps: z.array(step).min(1),
    /** The one figure the learning path shows for this lab's best run (a measurement's name). */
    headline: z
      .strictObject({
        measurement: varName,
        label: z.string().min(1),
        unit: z.string().optional(),
        /** Which run is best: the lowest or highest figure; absent: the newest passed run. */
        better: z.enum(['lower', 'higher']).optional(),
      })
      .optional(),
    /** Templated lines printed at the end of a run: the measured facts. */
    report: z.array(z.string()).optional(),
  });
  return { lab, step, awsStep, waitStep, pollStep, sqlStep, statement, probeStartStep, probeStopStep, checkStep, measureStep, noteStep, connection, param, resourceDecl };
}

type Schemas = ReturnType<typeof build>;
let built: Schemas | undefined;

/** The lab file schema (`labSchemas().lab`) and its parts. */
export function labSchemas(): Schemas {
  return (built ??= build());
}

export type Lab = z.infer<Schemas['lab']>;
export type Step = z.infer<Schemas['step']>;
export type AwsStep = z.infer<Schemas['awsStep']>;
export type WaitStep = z.infer<Schemas['waitStep']>;
export type PollStep = z.infer<Schemas['pollStep']>;
export type SqlStep = z.infer<Schemas['sqlStep']>;
export type SqlStatement = z.infer<Schemas['statement']>;
export type ProbeStartStep = z.infer<Schemas['probeStartStep']>;
export type ProbeStopStep = z.infer<Schemas['probeStopStep']>;
export type CheckStep = z.infer<Schemas['checkStep']>;
export type MeasureStep = z.infer<Schemas['measureStep']>;
export type ConnectionSpec = z.infer<Schemas['connection']>;
export type ResourceDecl = z.infer<Schemas['resourceDecl']>;
