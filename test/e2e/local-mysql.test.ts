/**
 * Eight labs end to end for aurora-mysql on the local target, on one local server: the built CLI,
 * real MariaDB servers behind the MySQL front, real checks. Each run must succeed with every check
 * passing and nothing skipped but the EC2 network set-up, delete what it made, and leave no mariadbd.
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

const passes = (lab: string, more: string[] = [], timeoutMs?: number) => passesLocally(local, lab, 'aurora-mysql', more, timeoutMs);

describe('the eight labs for aurora-mysql on the local target (MariaDB)', () => {
  it('runs cluster-launch: a writable writer, read-only readers that refuse writes with 1290', async () => {
    const doc = await passes('cluster-launch');
    expect(doc.checks.map((c: { name: string }) => c.name)).toContain('a write through the reader endpoint is refused');
  }, 320_000);

  it('runs failover: the writer moves, the outage is measured and closed, no acknowledged write is lost', async () => {
    const doc = await passes('failover');
    expect(doc.measurements.lostWrites).toBe(0);
    expect(doc.measurements.writerBefore).not.toBe(doc.measurements.writerAfter);
    expect(doc.measurements.writeOutageOpen).toBe(false);
    expect(doc.measurements.writeOutageMs).toBeGreaterThan(0);
  }, 320_000);

  it('runs snapshot-migration: an RDS for MySQL snapshot restored as an Aurora MySQL cluster with the same rows', async () => {
    const doc = await passes('snapshot-migration');
    const passed = doc.checks.filter((c: { passed: boolean }) => c.passed).map((c: { name: string }) => c.name);
    expect(passed).toContain('every row arrived unchanged (checksums on both sides are equal)');
  }, 320_000);

  it('runs iam-auth: a token logs in over TLS through the front, a tampered one is refused with 1045', async () => {
    const doc = await passes('iam-auth');
    expect(doc.measurements.iamLoginMs).toBeGreaterThan(0);
    expect(doc.checks.map((c: { name: string }) => c.name)).toContain('a tampered IAM token is refused at login');
  }, 320_000);

  it('runs performance-insights: the scan on an unindexed column comes out on top from performance_schema digests, and the index lowers its load', async () => {
    const doc = await passes('performance-insights');
    expect(String(doc.measurements.topStatement)).toMatch(/FROM `lab_orders` WHERE `customer_id` = \?/);
    expect(doc.measurements.scanLoadAfter).toBeLessThan(doc.measurements.scanLoadBefore);
  }, 320_000);

  it('runs serverless-v2: capacity rises under load, falls, pauses and resumes on connect', async () => {
    const doc = await passes('serverless-v2', ['--param', 'loadSeconds=3'], 600_000);
    expect(doc.measurements.peakCapacity).toBeGreaterThan(0);
  }, 620_000);

  it('runs point-in-time-recovery: the binlogs replayed onto the base backup bring back every batch before the moment and not the mistake after it', async () => {
    const doc = await passes('point-in-time-recovery');
    const passed = doc.checks.filter((c: { passed: boolean }) => c.passed).map((c: { name: string }) => c.name);
    expect(passed).toContain('the batch written after the mistake is not in the restored cluster');
    expect(doc.measurements.restoreMs).toBeGreaterThan(0);
  }, 320_000);

  it('runs global-database: rows cross regions, a switchover swaps the roles and keeps them', async () => {
    const doc = await passes('global-database');
    expect(doc.measurements.globalLagMs).toBeGreaterThanOrEqual(0);
    expect(doc.measurements.switchoverMs).toBeGreaterThan(0);
  }, 320_000);
});
