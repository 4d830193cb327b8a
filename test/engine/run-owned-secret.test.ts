/**
 * A run-owned secret, end to end through the engine on the simulated control plane: a password made
 * by $generatePassword, kept in a secret the run creates, read back by $secretValue when the cluster is
 * created, and written to no file, event or recorded call; teardown deletes the secret after the cluster.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLab } from '../../src/engine/run-lab.js';
import { dryRunTarget } from '../../src/engine/targets/dry-run.js';
import { MemoryReporter } from '../../src/events.js';
import { useTempLabHome } from '../helpers/temp-lab-home.js';

const LAB = `
name: secret-demo
title: A cluster whose master password the run makes and keeps
level: beginner
engines: [aurora-postgresql]
summary: A generated password in a secret the run owns.
estimate: { minutes: 1 }
steps:
  - id: secret
    kind: aws
    title: Generate the password into a secret
    service: secrets-manager
    operation: CreateSecret
    input:
      Name: "{{ run.prefix }}-master"
      SecretString: { $json: { username: labadmin, password: { $generatePassword: { length: 32 } } } }
    capture: { secretArn: ARN }
    creates: { type: secret, id: "{{ run.prefix }}-master" }
  - id: cluster
    kind: aws
    title: Create the cluster with the password read back at send time
    operation: CreateDBCluster
    input:
      DBClusterIdentifier: "{{ run.prefix }}"
      Engine: "{{ engine }}"
      MasterUsername: labadmin
      MasterUserPassword: { $secretValue: { secretId: "{{ vars.secretArn }}", key: password } }
    creates: { type: db-cluster, id: "{{ run.prefix }}" }
`;

const home = useTempLabHome('alab-secret-');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

async function run(keep: boolean) {
  const file = path.join(home(), 'secret-demo.yaml');
  writeFileSync(file, LAB);
  const reporter = new MemoryReporter();
  let runDir = '';
  const result = await runLab({
    labRef: file,
    params: {},
    targetName: 'dry-run',
    keep,
    reporter,
    signal: new AbortController().signal,
    makeTarget: async ({ dir }) => {
      runDir = dir;
      return dryRunTarget({ region: 'us-east-1', runDir: dir });
    },
    confirm: async () => true,
  });
  const sim = JSON.parse(readFileSync(path.join(runDir, 'sim.json'), 'utf8')) as { secrets: Record<string, { name: string; secretString: string }>; clusters: Record<string, unknown> };
  return { ...result, reporter, runDir, sim };
}

describe('a run-owned secret', () => {
  it('sends the generated password to Secrets Manager and to CreateDBCluster, and records neither', async () => {
    const { document, state, error, reporter, sim } = await run(true);
    expect(error, String((error as Error | undefined)?.message)).toBeUndefined();
    expect(document.status).toBe('succeeded');

    const mine = Object.values(sim.secrets).filter((s) => s.name.endsWith('-master'));
    expect(mine).toHaveLength(1);
    const { username, password } = JSON.parse(mine[0]!.secretString) as { username: string; password: string };
    expect(username).toBe('labadmin');
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);

    const calls = Object.values(state.steps).flatMap((s) => s.calls);
    expect(calls.map((c) => c.operation)).toEqual(['CreateSecret', 'GetSecretValue', 'CreateDBCluster']);
    expect((calls[0]!.input as Record<string, unknown>).SecretString).toBe('***');
    expect(calls[1]!.input).toEqual({ SecretId: state.vars.secretArn });
    expect((calls[2]!.input as Record<string, unknown>).MasterUserPassword).toBe('***');
    expect(state.resources.map((r) => [r.type, r.status])).toEqual([
      ['secret', 'created'],
      ['db-cluster', 'created'],
    ]);
    expect(state.resources[0]!.arn).toBe(state.vars.secretArn);

    // The password is nowhere but the simulated Secrets Manager: not in state, vars, events or any file.
    const hits = filesUnder(home())
      .filter((f) => path.basename(f) !== 'sim.json')
      .filter((f) => readFileSync(f).toString('latin1').includes(password));
    expect(hits).toEqual([]);
    expect(JSON.stringify(reporter.events)).not.toContain(password);
    expect(JSON.stringify(document)).not.toContain(password);
  });

  it('is deleted by teardown, after the cluster, without a recovery window', async () => {
    const { state, sim, error } = await run(false);
    expect(error, String((error as Error | undefined)?.message)).toBeUndefined();
    expect(state.teardown?.status).toBe('done');
    const down = state.teardown!.calls.map((c) => c.operation);
    expect(down.indexOf('DeleteSecret')).toBeGreaterThan(down.indexOf('DeleteDBCluster'));
    const del = state.teardown!.calls.find((c) => c.operation === 'DeleteSecret')!;
    expect(del.input).toMatchObject({ ForceDeleteWithoutRecovery: true });
    expect(Object.values(sim.secrets).filter((s) => s.name.endsWith('-master'))).toEqual([]);
    expect(state.resources.every((r) => r.status === 'deleted')).toBe(true);
  });
});

describe('recorded calls', () => {
  it('mask a value the run knows to be secret even in a member the SDK does not mark sensitive', async () => {
    const { maskKnownSecrets } = await import('../../src/engine/execution.js');
    const secrets = new Set(['s3cr3tvalue']);
    expect(maskKnownSecrets({ Description: 'has s3cr3tvalue inside', Name: 'n', List: ['s3cr3tvalue', 2] }, secrets)).toEqual({ Description: '***', Name: 'n', List: ['***', 2] });
    const d = new Date(0);
    expect(maskKnownSecrets({ At: d }, secrets)).toEqual({ At: d });
  });
});
