/**
 * The failover lab on the dry run's virtual clock (simulated-AWS timing), with a failover that takes
 * longer than the lab's 60 s re-issue: the re-issue waits for the cluster to be available again with
 * the old writer, because AWS refuses FailoverDBCluster while the cluster is failing over.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLab } from '../../src/engine/run-lab.js';
import { dryRunTarget } from '../../src/engine/targets/dry-run.js';
import { MemoryReporter } from '../../src/events.js';
import { labsDir } from '../../src/labs/loader.js';
import { useTempLabHome } from '../helpers/temp-lab-home.js';

useTempLabHome('alab-awstiming-');

async function failoverRun(labRef: string, failoverMs: number) {
  const reporter = new MemoryReporter();
  const result = await runLab({
    labRef,
    engine: 'aurora-postgresql',
    params: {},
    targetName: 'dry-run',
    keep: false,
    reporter,
    signal: new AbortController().signal,
    makeTarget: async ({ dir }) => dryRunTarget({ region: 'us-east-1', runDir: dir, timing: 'aws', awsDurations: { failover: failoverMs } }),
    confirm: async () => true,
  });
  const failoverCalls = result.document.steps.flatMap((s) => s.calls).filter((c) => c.operation === 'FailoverDBCluster').length;
  return { result, reporter, failoverCalls };
}

describe('the failover lab on the simulated AWS clock', () => {
  it('succeeds with a 150 s failover, calling FailoverDBCluster once, and measures the writer change on the virtual clock', async () => {
    const { result, failoverCalls } = await failoverRun('failover', 150_000);
    expect(result.error).toBeUndefined();
    expect(result.document.status).toBe('succeeded');
    expect(failoverCalls).toBe(1);
    // Polled every 2 s on the virtual clock: the change is seen within one interval of the 150 s.
    const ms = result.document.measurements.writerChangeMs as number;
    expect(ms).toBeGreaterThanOrEqual(150_000);
    expect(ms).toBeLessThanOrEqual(152_000);
  });

  it('fails, as on AWS, when the re-issue fires regardless of the cluster state (the lab before the fix)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'alab-failover-lab-'));
    const text = readFileSync(path.join(labsDir(), 'failover.yaml'), 'utf8');
    const unguarded = text.replace(/^\s+when: "DBClusters\[0\]\.Status == 'available' && \(DBClusters.*\n/m, '');
    expect(unguarded).not.toBe(text);
    const file = path.join(dir, 'failover.yaml');
    writeFileSync(file, unguarded);
    const { result } = await failoverRun(file, 150_000);
    expect(result.document.status).toBe('failed');
    expect(String(result.document.error?.message)).toMatch(/InvalidDBClusterStateFault/);
  });
});
