/**
 * The labs end to end on the local target: the built CLI, a background server on a free port, real
 * PostgreSQL processes, real SQL checks; and `local stop` leaves no process and no port behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCli, postgresUnder, type LocalCli } from '../helpers/local-cli.js';

let local: LocalCli;
let port: number;
let dataDir: string;

function portOpen(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port: p });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const cli = (args: string[], timeoutMs?: number) => local.cli(args, timeoutMs);
const runLab = (lab: string, more: string[] = []) => local.runLab(lab, more);

function psqlBinary(): string {
  try {
    return execFileSync('which', ['psql'], { encoding: 'utf8' }).trim();
  } catch {
    const dir = readdirSync('/usr/lib/postgresql').sort().reverse()[0];
    return join('/usr/lib/postgresql', dir!, 'bin', 'psql');
  }
}

beforeAll(async () => {
  local = await localCli();
  port = local.port;
  dataDir = local.dataDir;
});

afterAll(async () => {
  // Whatever happened above, nothing of ours keeps running.
  if (local) await local.close();
}, 90_000);

describe('the labs on the local target', () => {
  it('local start is idempotent and local status --json shows the server', async () => {
    const a = await cli(['local', 'start', '--json']);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ running: true, port });
    const b = await cli(['local', 'start', '--json']);
    expect(JSON.parse(b.stdout)).toMatchObject({ running: true, started: false, pid: JSON.parse(a.stdout).pid });
    const s = await cli(['local', 'status', '--json']);
    expect(JSON.parse(s.stdout)).toMatchObject({ running: true, port, clusters: [], instances: [] });
    expect(await portOpen(port)).toBe(true);
  }, 60_000);

  it('runs cluster-launch with every SQL check passing and deletes what it made', async () => {
    const { r, doc } = await runLab('cluster-launch');
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(doc).toMatchObject({ lab: 'cluster-launch', target: 'local', status: 'succeeded' });
    expect(doc.checks.length).toBeGreaterThanOrEqual(5);
    expect(doc.checks.filter((c: { passed: boolean }) => !c.passed)).toEqual([]);
    expect(doc.resources.length).toBe(4);
    expect(doc.resources.every((x: { status: string }) => x.status === 'deleted')).toBe(true);
    // No EC2 network set-up locally: those steps are skipped, never called.
    const ops = doc.steps.flatMap((s: { calls: { operation: string }[] }) => s.calls.map((c) => c.operation));
    expect(ops).not.toContain('CreateSecurityGroup');
    expect(ops).toContain('CreateDBCluster');
  }, 200_000);

  it('runs failover: a measured outage, the writer changes, and no acknowledged write is lost', async () => {
    const { r, doc } = await runLab('failover');
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(doc.status).toBe('succeeded');
    expect(doc.checks.filter((c: { passed: boolean }) => !c.passed)).toEqual([]);
    expect(doc.measurements.lostWrites).toBe(0);
    expect(doc.measurements.writerBefore).not.toBe(doc.measurements.writerAfter);
    // The probe stops only after the new writer acknowledged a write, so the outage always has an end:
    // the failover cuts the probe's session, so at least one write fails, and the window closes.
    expect(doc.measurements.writersSeen).toEqual([doc.measurements.writerBefore, doc.measurements.writerAfter]);
    expect(doc.measurements.writeOutageOpen).toBe(false);
    expect(doc.measurements.writeOutageMs).toBeGreaterThan(0);
    expect(doc.resources.every((x: { status: string }) => x.status === 'deleted')).toBe(true);
  }, 200_000);

  it('runs snapshot-migration: RDS snapshot restored as an Aurora cluster with the same rows, also on its Serverless v2 reader', async () => {
    const { r, doc } = await runLab('snapshot-migration');
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(doc.status).toBe('succeeded');
    expect(doc.checks.filter((c: { passed: boolean }) => !c.passed)).toEqual([]);
    expect(doc.checks.map((c: { name: string }) => c.name)).toContain('the Serverless v2 reader serves every migrated row unchanged (same count and checksum as the RDS source)');
    // The reader's capacity, from the local scaler's samples through CloudWatch, inside the lab's 0.5-2 ACU range.
    expect(doc.measurements.serverlessReaderCapacity).toBeGreaterThanOrEqual(0.5);
    expect(doc.measurements.serverlessReaderCapacity).toBeLessThanOrEqual(2);
    expect(doc.resources.every((x: { status: string }) => x.status === 'deleted')).toBe(true);
  }, 200_000);

  it('connect --print on a kept run gives a URI on which psql reaches the writer', async () => {
    const { r, doc } = await runLab('cluster-launch', ['--keep']);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    try {
      const c = await cli(['connect', doc.runId, '--print']);
      expect(c.code, c.stderr).toBe(0);
      const uri = c.stdout.trim();
      // The cluster endpoint: a loopback address of its own on the cluster's port.
      expect(uri).toMatch(/^postgresql:\/\/labadmin@127\.\d+\.\d+\.\d+:\d+\/lab\?/);
      expect(uri).not.toContain('password');
      const out = execFileSync(psqlBinary(), [uri, '-Atc', 'select aurora_db_instance_identifier() || \',\' || pg_is_in_recovery()'], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '' },
        timeout: 20_000,
      }).trim();
      const status = JSON.parse((await cli(['local', 'status', '--json'])).stdout);
      const writer = status.instances.find((i: { role: string }) => i.role === 'writer');
      expect(out).toBe(`${writer.id},false`);
    } finally {
      const t = await cli(['teardown', doc.runId, '--yes']);
      expect(t.code, t.stderr.slice(-2000)).toBe(0);
    }
  }, 200_000);

  it('local stop leaves no postgres process and closes the port', async () => {
    const { r } = await runLab('cluster-launch', ['--keep']);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(postgresUnder(dataDir).length).toBe(3);
    const stop = await cli(['local', 'stop', '--json'], 60_000);
    expect(stop.code, stop.stderr).toBe(0);
    expect(JSON.parse(stop.stdout)).toMatchObject({ stopped: true, killed: false });
    expect(postgresUnder(dataDir)).toEqual([]);
    expect(await portOpen(port)).toBe(false);
    expect(existsSync(join(local.env.home, 'local', 'server.json'))).toBe(false);
    const again = await cli(['local', 'status', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ running: false });
  }, 200_000);
});
