/**
 * Every lab in labs/, for every engine it supports, dry-runs end to end in process through the engine
 * (the same runLab the CLI calls), and what it sent AWS and left behind is inspected.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLab } from '../../src/engine/run-lab.js';
import { dryRunTarget } from '../../src/engine/targets/dry-run.js';
import { MemoryReporter } from '../../src/events.js';
import { labsDir, parseLab } from '../../src/labs/loader.js';
import { validateInput } from '../../src/sim/shapes.js';
import type { SimService } from '../../src/sim/types.js';
import type { RecordedCall } from '../../src/state/run-state.js';
import { useTempLabHome } from '../helpers/temp-lab-home.js';

const LAB_FILES = readdirSync(labsDir()).filter((f) => f.endsWith('.yaml')).sort();
const CASES = LAB_FILES.flatMap((file) => {
  const lab = parseLab(readFileSync(path.join(labsDir(), file), 'utf8'), file);
  return lab.engines.map((engine) => ({ name: lab.name, engine }));
});

// Each dry run keeps its state in a temp AURORA_LAB_HOME of its own.
useTempLabHome('alab-labs-');

async function dryRun(lab: string, engine: string) {
  const reporter = new MemoryReporter();
  let runDir = '';
  const result = await runLab({
    labRef: lab,
    engine,
    params: {},
    targetName: 'dry-run',
    keep: false,
    reporter,
    signal: new AbortController().signal,
    makeTarget: async ({ dir }) => {
      runDir = dir;
      return dryRunTarget({ region: 'us-east-1', runDir: dir });
    },
    confirm: async () => true,
  });
  const sim = JSON.parse(readFileSync(path.join(runDir, 'sim.json'), 'utf8')) as unknown;
  return { ...result, reporter, sim };
}

/** Every record in the simulated account carrying this run's id tag. */
function taggedWith(sim: unknown, runId: string): string[] {
  const out: string[] = [];
  const walk = (value: unknown, where: string) => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${where}[${i}]`));
    if (!value || typeof value !== 'object') return;
    const rec = value as Record<string, unknown>;
    const tags = Array.isArray(rec.tags) ? (rec.tags as { Key?: string; Value?: string }[]) : [];
    if (tags.some((t) => t.Key === 'aurora-lab:run-id' && t.Value === runId)) out.push(where);
    for (const [k, v] of Object.entries(rec)) if (k !== 'tags' && k !== 'tombstones') walk(v, `${where}.${k}`);
  };
  // Tombstones are deleted resources the tagging API still lists for a while, as AWS does.
  walk(sim, 'sim');
  return out;
}

function lastName(idOrArn: unknown): string {
  const s = String(idOrArn ?? '').toLowerCase();
  return s.startsWith('arn:') ? s.split(':').pop()! : s;
}

describe.each(CASES)('lab $name on $engine as a dry run', ({ name, engine }) => {
  it('succeeds, sends only valid requests, and leaves nothing behind in an order AWS accepts', async () => {
    const { document, state, error, sim } = await dryRun(name, engine);
    expect(error, String((error as Error | undefined)?.message)).toBeUndefined();
    expect(document.status).toBe('succeeded');
    expect(document.checks.filter((c) => !c.passed)).toEqual([]);

    // Every recorded call (the runner's and teardown's) fits the SDK's request schema.
    const calls: RecordedCall[] = [...Object.values(state.steps).flatMap((s) => s.calls), ...(state.teardown?.calls ?? [])];
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      const issues = await validateInput(call.service as SimService, call.operation, call.input);
      // A masked secret ("***") stands in for a string: it is still a string, so nothing is excused.
      expect(issues, `${call.service}:${call.operation} ${JSON.stringify(call.input)}`).toEqual([]);
    }

    // Everything created is deleted, and the simulated account holds nothing of the run.
    expect(state.resources.length).toBeGreaterThan(0);
    expect(state.resources.filter((r) => r.status !== 'deleted')).toEqual([]);
    expect(state.teardown?.status).toBe('done');
    expect(taggedWith(sim, state.runId)).toEqual([]);

    // Deletes come in an order AWS accepts.
    const down = state.teardown!.calls;
    const at = (op: string, pred: (input: Record<string, unknown>) => boolean) =>
      down.findIndex((c) => c.operation === op && pred(c.input as Record<string, unknown>));
    const createdInstances = Object.values(state.steps)
      .flatMap((s) => s.calls)
      .filter((c) => c.operation === 'CreateDBInstance')
      .map((c) => c.input as Record<string, unknown>);
    for (const inst of createdInstances) {
      if (!inst.DBClusterIdentifier) continue;
      const delInstance = at('DeleteDBInstance', (i) => lastName(i.DBInstanceIdentifier) === lastName(inst.DBInstanceIdentifier));
      const delCluster = at('DeleteDBCluster', (i) => lastName(i.DBClusterIdentifier) === lastName(inst.DBClusterIdentifier));
      expect(delInstance, `DeleteDBInstance ${String(inst.DBInstanceIdentifier)}`).toBeGreaterThanOrEqual(0);
      expect(delCluster, `DeleteDBCluster ${String(inst.DBClusterIdentifier)}`).toBeGreaterThan(delInstance);
    }
    const clusterDeletes = down.map((c, i) => (c.operation === 'DeleteDBCluster' ? i : -1)).filter((i) => i >= 0);
    const instanceDeletes = down.map((c, i) => (c.operation === 'DeleteDBInstance' ? i : -1)).filter((i) => i >= 0);
    for (const sg of down.map((c, i) => (c.operation === 'DeleteSecurityGroup' ? i : -1)).filter((i) => i >= 0)) {
      for (const other of [...clusterDeletes, ...instanceDeletes]) expect(sg).toBeGreaterThan(other);
    }
    const globalDelete = down.findIndex((c) => c.operation === 'DeleteGlobalCluster');
    if (state.resources.some((r) => r.type === 'global-cluster')) {
      expect(globalDelete).toBeGreaterThanOrEqual(0);
      const rdsDeletes = down.map((c, i) => (c.service === 'rds' && /^(Delete|Remove)/.test(c.operation) ? i : -1)).filter((i) => i >= 0);
      for (const i of rdsDeletes) if (i !== globalDelete && down[i]!.operation !== 'DeleteDBSubnetGroup') expect(i).toBeLessThan(globalDelete);
      for (const rm of down.filter((c) => c.operation === 'RemoveFromGlobalCluster')) {
        const cluster = lastName((rm.input as Record<string, unknown>).DbClusterIdentifier);
        const removedAt = down.indexOf(rm);
        const deletedAt = at('DeleteDBCluster', (i) => lastName(i.DBClusterIdentifier) === cluster);
        expect(deletedAt).toBeGreaterThan(removedAt);
      }
    }
  }, 60_000);
});

describe('the failover lab as a dry run', () => {
  it('measures the time from FailoverDBCluster to the writer change and records both writers', async () => {
    const { document } = await dryRun('failover', 'aurora-postgresql');
    expect(typeof document.measurements.writerChangeMs).toBe('number');
    expect(document.measurements.writerBefore).toMatch(/-0$/);
    expect(document.measurements.writerAfter).toMatch(/-1$/);
    const failover = document.steps.find((s) => s.id === 'failover')!;
    expect(failover.calls[0]).toMatchObject({ operation: 'FailoverDBCluster', input: { TargetDBInstanceIdentifier: document.measurements.writerAfter } });
  }, 60_000);
});

describe('the performance-insights lab as a dry run', () => {
  it("waits for Performance Insights past each window on the dry run's clock: a poll a second, not one per event-loop turn", async () => {
    const { document, reporter } = await dryRun('performance-insights', 'aurora-postgresql');
    expect(document.status).toBe('succeeded');
    for (const id of ['next-period', 'next-period-after']) {
      const met = reporter.events.find((e) => e.code === 'poll.met' && e.message.startsWith(`${id}:`));
      const polls = Number(/after (\d+) polls/.exec(met?.message ?? '')?.[1]);
      // The window ends at most 2 s ahead of the clock and the lab asks every second.
      expect(polls, met?.message).toBeGreaterThanOrEqual(1);
      expect(polls, met?.message).toBeLessThanOrEqual(3);
    }
  }, 60_000);
});
