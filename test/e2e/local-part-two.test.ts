/**
 * The four labs of local part two end to end, for aurora-postgresql, on one local server: the built
 * CLI, real PostgreSQL, real checks. Each run must succeed with every check passing and delete what
 * it made; the server's time scale shortens the Serverless v2 auto-pause wait.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCli, passesLocally, type LocalCli } from '../helpers/local-cli.js';

let local: LocalCli;

beforeAll(async () => {
  local = await localCli({ AURORA_LAB_LOCAL_TIME_SCALE: '0.01' });
});

afterAll(async () => {
  if (local) await local.close();
}, 90_000);

const passes = (lab: string, more: string[] = [], timeoutMs?: number) => passesLocally(local, lab, 'aurora-postgresql', more, timeoutMs);

describe('local part two: the labs that need IAM auth, Serverless v2, Performance Insights and Global Database', () => {
  it('runs iam-auth: a token from rds-signer logs in over TLS, a tampered one is refused', async () => {
    const doc = await passes('iam-auth');
    expect(doc.measurements.iamLoginMs).toBeGreaterThan(0);
    expect(doc.checks.map((c: { name: string }) => c.name)).toContain('a tampered IAM token is refused at login');
  }, 320_000);

  it('runs performance-insights: the scan on an unindexed column comes out on top from pg_stat_statements, and the index lowers its load', async () => {
    const doc = await passes('performance-insights');
    expect(String(doc.measurements.topStatement)).toMatch(/from lab_orders where customer_id = \$1/);
    expect(doc.measurements.scanLoadAfter).toBeLessThan(doc.measurements.scanLoadBefore);
  }, 320_000);

  it('runs serverless-v2: capacity rises under load, falls, pauses and resumes on connect', async () => {
    // Four sessions each keep a core busy for three statements of loadSeconds: the default 25 s burns
    // five core-minutes, starving every other test on a 2-core machine. The local scaler samples every
    // 500 ms, so 3 s statements (9 s of load per session) raise the capacity just the same.
    const doc = await passes('serverless-v2', ['--param', 'loadSeconds=3'], 600_000);
    expect(doc.measurements.peakCapacity).toBeGreaterThan(0);
  }, 620_000);

  it('runs global-database: rows cross regions, a switchover swaps the roles and keeps them, a failover with data loss counts what it lost', async () => {
    const doc = await passes('global-database');
    expect(doc.measurements.globalLagMs).toBeGreaterThanOrEqual(0);
    expect(doc.measurements.switchoverMs).toBeGreaterThan(0);
    // The unplanned failover: measured figures, never assumed ones.
    expect(doc.measurements.failoverWritesMs).toBeGreaterThan(0);
    expect(doc.measurements.lagBeforeFailoverMs).toBeGreaterThanOrEqual(0);
    expect(doc.measurements.oldPrimaryAcknowledgedWrites).toBeGreaterThan(0);
    expect(Number.isInteger(doc.measurements.oldPrimaryLostWrites)).toBe(true);
    expect(doc.measurements.oldPrimaryLostWrites).toBeLessThan(doc.measurements.oldPrimaryAcknowledgedWrites);
    expect(doc.measurements.rejoinMs).toBeGreaterThan(0);
    expect(doc.checks.map((c: { name: string }) => c.name)).toContain(
      'the new writer kept a consistent prefix of the acknowledged writes: every one it lacks came after the newest it has',
    );
  }, 320_000);
});
