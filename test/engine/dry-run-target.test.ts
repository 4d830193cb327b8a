/** The dry-run target's simulated account on disk (sim.json) and its clock across processes. */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dryRunTarget } from '../../src/engine/targets/dry-run.js';
import type { SimState } from '../../src/sim/model/state.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'alab-dry-target-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = () => path.join(dir, 'sim.json');
const onDisk = () => JSON.parse(readFileSync(file(), 'utf8')) as SimState;

describe('the dry-run target’s saved account', () => {
  it('is written when the account changes, and left as it is when a save finds nothing new', async () => {
    const target = await dryRunTarget({ region: 'us-east-1', runDir: dir });
    await target.save();
    await target.clients.send('rds', 'CreateDBClusterParameterGroup', { DBClusterParameterGroupName: 'pg-a', DBParameterGroupFamily: 'aurora-postgresql16', Description: 'a' });
    await target.save();
    const written = statSync(file());
    expect(JSON.stringify(onDisk())).toContain('pg-a');

    // A read changes nothing: the file is the same file (a write renames a new one over it).
    await target.clients.send('rds', 'DescribeDBClusterParameterGroups', {});
    await target.save();
    expect(statSync(file()).ino).toBe(written.ino);

    await target.clients.send('rds', 'CreateDBClusterParameterGroup', { DBClusterParameterGroupName: 'pg-b', DBParameterGroupFamily: 'aurora-postgresql16', Description: 'b' });
    await target.save();
    expect(JSON.stringify(onDisk())).toContain('pg-b');
    await target.close();
  });

  it('keeps how far skipped sleeps put the instant mode’s clock ahead, so a resumed run’s clock is not behind it', async () => {
    const first = await dryRunTarget({ region: 'us-east-1', runDir: dir });
    await first.clients.clock.sleep(3_600_000);
    await first.save();
    // Real time passes and nothing changes: the next save writes nothing, so the file's nowMs is behind.
    await new Promise((r) => setTimeout(r, 30));
    await first.save();
    const stoodAt = first.clients.clock.now();
    expect(onDisk().clock!.nowMs).toBeLessThan(stoodAt);
    await first.close();
    expect(onDisk().clock).toMatchObject({ flowing: true });
    // The hour, give or take the millisecond by which Date.now() and the monotonic clock differ.
    expect(onDisk().clock!.aheadMs).toBeGreaterThanOrEqual(3_600_000 - 5);

    const resumed = await dryRunTarget({ region: 'us-east-1', runDir: dir });
    expect(resumed.clients.clock.now()).toBeGreaterThanOrEqual(stoodAt);
    // Still the instant mode: the target polls at the lab's intervals without waiting for them.
    expect(resumed.capabilities.waiterMinDelay).toBeDefined();
    await resumed.close();
  });

  it('resumes the simulated-AWS timing mode from its saved clock', async () => {
    const first = await dryRunTarget({ region: 'us-east-1', runDir: dir, timing: 'aws' });
    await first.clients.clock.sleep(600_000);
    const stoodAt = first.clients.clock.now();
    await first.save();
    await first.close();
    expect(onDisk().clock?.flowing).toBeUndefined();
    const resumed = await dryRunTarget({ region: 'us-east-1', runDir: dir });
    expect(resumed.clients.clock.now()).toBe(stoodAt);
    expect(resumed.capabilities.waiterMinDelay).toBeUndefined();
    await resumed.close();
  });
});
