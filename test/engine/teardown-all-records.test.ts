import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dryRunTarget } from '../../src/engine/targets/dry-run.js';
import { findTaggedResources, recordsOf } from '../../src/engine/teardown-all.js';
import type { ResourceRecord } from '../../src/state/run-state.js';

const NAME = 'fo-abc123-master';
const stateSecret: ResourceRecord = { type: 'secret', id: NAME, region: 'us-east-1', status: 'created', stepId: 'master-secret', createdAt: '2026-01-01T00:00:00Z' };

/** A simulated account holding one secret tagged with a run id, as a run's master-secret step makes it. */
async function foundSecretRun() {
  const runDir = mkdtempSync(path.join(tmpdir(), 'alab-tdall-'));
  const t = await dryRunTarget({ region: 'us-east-1', runDir });
  try {
    await t.clients.send('secrets-manager', 'CreateSecret', { Name: NAME, SecretString: '{"password":"x"}', Tags: [{ Key: 'aurora-lab:run-id', Value: 'r1' }] });
    const { runs } = await findTaggedResources(t.clients, 'us-east-1');
    return runs[0]!;
  } finally {
    await t.close();
    rmSync(runDir, { recursive: true, force: true });
  }
}

describe('teardown --all records', () => {
  it('takes a secret the run state knows by name once, not again by the ARN the tagging API lists', async () => {
    const run = await foundSecretRun();
    expect(run.resources.map((r) => [r.type, r.name])).toEqual([['secret', NAME]]);
    expect(recordsOf(run, [stateSecret])).toEqual([]);
  });

  it('keeps a found secret the run state does not know, by its ARN', async () => {
    const run = await foundSecretRun();
    const records = recordsOf(run, []);
    expect(records).toHaveLength(1);
    expect(records[0]!.id).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:fo-abc123-master-/);
  });
});
