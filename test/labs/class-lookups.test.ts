/**
 * Every lab's engine-version and instance-class lookups, on the simulated catalogue of AWS's shape:
 * the old "first non-serverless row" captures pick a large class there, and the labs' lookups now pick
 * the class they mean, or stop the run before anything is created.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLab } from '../../src/engine/run-lab.js';
import { dryRunTarget } from '../../src/engine/targets/dry-run.js';
import { MemoryReporter } from '../../src/events.js';
import { labsDir, parseLab } from '../../src/labs/loader.js';
import { evaluate } from '../../src/labs/template.js';
import { SimCloud } from '../../src/sim/model/cloud.js';
import { LIFECYCLES } from '../../src/sim/model/catalog/versions.js';
import type { RecordedCall } from '../../src/state/run-state.js';
import { useTempLabHome } from '../helpers/temp-lab-home.js';

useTempLabHome('alab-lookups-');

/** The capture expressions of the labs before this change (git show bc7ebad:labs/failover.yaml and the others). */
const OLD_AURORA_CAPTURE = "(OrderableDBInstanceOptions[?DBInstanceClass=='db.t4g.medium'].DBInstanceClass | [0]) || (OrderableDBInstanceOptions[?DBInstanceClass!='db.serverless'].DBInstanceClass | [0])";
const OLD_PI_CAPTURE =
  "(OrderableDBInstanceOptions[?SupportsPerformanceInsights && DBInstanceClass=='db.t4g.medium'].DBInstanceClass | [0]) || (OrderableDBInstanceOptions[?SupportsPerformanceInsights && DBInstanceClass!='db.serverless'].DBInstanceClass | [0])";
const OLD_SOURCE_CAPTURE = "(OrderableDBInstanceOptions[?DBInstanceClass=='db.t4g.micro'].DBInstanceClass | [0]) || (OrderableDBInstanceOptions[0].DBInstanceClass)";

async function firstPage(engine: string): Promise<unknown> {
  const sim = new SimCloud();
  const { DBEngineVersions } = (await sim.call({ service: 'rds', operation: 'DescribeDBEngineVersions', input: { Engine: engine, DefaultOnly: true }, region: 'us-east-1' })) as {
    DBEngineVersions: { EngineVersion: string }[];
  };
  // The old labs' call: no DBInstanceClass (their parameter was empty), so one unfiltered page.
  return sim.call({ service: 'rds', operation: 'DescribeOrderableDBInstanceOptions', input: { Engine: engine, EngineVersion: DBEngineVersions[0]!.EngineVersion }, region: 'us-east-1' });
}

describe('the old class captures on a catalogue of AWS shape', () => {
  it.each(['aurora-postgresql', 'aurora-mysql'])('pick a large memory-optimized class for %s, not db.t4g.medium', async (engine) => {
    const page = await firstPage(engine);
    expect(evaluate(OLD_AURORA_CAPTURE, page)).toBe('db.r5.12xlarge');
    expect(evaluate(OLD_PI_CAPTURE, page)).toBe('db.r5.12xlarge');
  });

  it.each(['postgres', 'mysql'])('pick a large general-purpose class for the RDS %s source, not db.t4g.micro', async (engine) => {
    expect(evaluate(OLD_SOURCE_CAPTURE, await firstPage(engine))).toBe('db.m5.12xlarge');
  });
});

async function dryRun(lab: string, engine: string, params: Record<string, string> = {}) {
  const result = await runLab({
    labRef: lab,
    engine,
    params,
    targetName: 'dry-run',
    keep: false,
    reporter: new MemoryReporter(),
    signal: new AbortController().signal,
    makeTarget: async ({ dir }) => dryRunTarget({ region: 'us-east-1', runDir: dir }),
    confirm: async () => true,
  });
  const calls: RecordedCall[] = Object.values(result.state.steps).flatMap((s) => s.calls);
  const inputs = (op: string) => calls.filter((c) => c.operation === op).map((c) => c.input as Record<string, unknown>);
  return { ...result, calls, inputs };
}

const CASES = readdirSync(labsDir())
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) => {
    const lab = parseLab(readFileSync(path.join(labsDir(), file), 'utf8'), file);
    return lab.engines.map((engine) => ({ lab: lab.name, engine }));
  });

/** The class each lab means: AWS's cheapest where the lab's feature works fully. */
function expectedClass(lab: string, engine: string): string {
  if (lab === 'serverless-v2') return 'db.serverless';
  if (lab === 'global-database') return 'db.r6g.large';
  if (lab === 'performance-insights' && engine === 'aurora-mysql') return 'db.t4g.large';
  return 'db.t4g.medium';
}

describe.each(CASES)('lab $lab on $engine as a dry run', ({ lab, engine }) => {
  it('creates only the class it means, found by asking for that class', async () => {
    const { document, inputs } = await dryRun(lab, engine);
    expect(document.status).toBe('succeeded');
    const classes = inputs('CreateDBInstance').map((i) => ({ cls: i.DBInstanceClass, standalone: !i.DBClusterIdentifier, id: String(i.DBInstanceIdentifier) }));
    expect(classes.length).toBeGreaterThan(0);
    // snapshot-migration's mixed-configuration cluster: a Serverless v2 reader beside the provisioned writer.
    const mixed = (id: string) => lab === 'snapshot-migration' && id.endsWith('-serverless');
    for (const { cls, standalone, id } of classes) expect(cls).toBe(standalone ? 'db.t4g.micro' : mixed(id) ? 'db.serverless' : expectedClass(lab, engine));
    // Every class lookup names its class: none reads an unfiltered first page.
    for (const lookup of inputs('DescribeOrderableDBInstanceOptions')) expect(typeof lookup.DBInstanceClass).toBe('string');
  }, 60_000);
});

describe('lookups that find nothing', () => {
  it('stop the run with a check that names the class, before anything is created', async () => {
    const { document, error, inputs } = await dryRun('failover', 'aurora-postgresql', { instanceClass: 'db.t4g.micro' });
    expect(document.status).toBe('failed');
    expect(String((error as Error).message)).toMatch(/db\.t4g\.micro is not orderable for aurora-postgresql/);
    expect(document.checks).toEqual([expect.objectContaining({ name: 'the instance class is orderable for this engine version in this region', passed: false })]);
    expect(inputs('CreateDBCluster')).toEqual([]);
    expect(inputs('CreateDBSubnetGroup')).toEqual([]);
  }, 60_000);
});

describe('version lookups', () => {
  it.each(['aurora-postgresql', 'aurora-mysql'])('serverless-v2 on %s creates its cluster on a version that can pause', async (engine) => {
    const { inputs, document } = await dryRun('serverless-v2', engine);
    const [cluster] = inputs('CreateDBCluster');
    const sim = new SimCloud();
    const info = (await sim.call({ service: 'rds', operation: 'DescribeDBEngineVersions', input: { Engine: engine, EngineVersion: cluster!.EngineVersion }, region: 'us-east-1' })) as {
      DBEngineVersions: { ServerlessV2FeaturesSupport: { MinCapacity: number } }[];
    };
    expect(info.DBEngineVersions[0]!.ServerlessV2FeaturesSupport.MinCapacity).toBe(0);
    expect(document.checks.find((c) => c.name.startsWith('the engine version supports MinCapacity 0'))?.passed).toBe(true);
  }, 60_000);

  it.each([
    ['aurora-postgresql', 'postgres'],
    ['aurora-mysql', 'mysql'],
  ])('snapshot-migration on %s makes its RDS %s source on a major in standard support past the run', async (engine, family) => {
    const { inputs, state } = await dryRun('snapshot-migration', engine);
    const source = inputs('CreateDBInstance').find((i) => !i.DBClusterIdentifier)!;
    expect(source.Engine).toBe(family);
    const version = String(source.EngineVersion);
    const life = LIFECYCLES.find((l) => l.engine === family && version.startsWith(`${l.major}.`))!;
    expect(Date.parse(life.standard[1])).toBeGreaterThan(Date.parse(state.expiresAt));
    expect(inputs('DescribeDBMajorEngineVersions').map((i) => i.Engine)).toEqual([family, engine]);
    // The restored cluster is on the same major.
    const [restore] = inputs('RestoreDBClusterFromSnapshot');
    expect(String(restore!.EngineVersion).startsWith(`${life.major}.`)).toBe(true);
  }, 60_000);
});
