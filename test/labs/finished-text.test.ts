/**
 * What a learner reads is finished text: `show` and a dry run of every lab, for every engine, through
 * the CLI a learner uses (the built dist), print no raw template, no count that disagrees with its
 * noun, and no figure with more digits than it measures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labsDir, parseLab } from '../../src/labs/loader.js';
import { killAll, makeCliEnv, runCli, type CliEnv } from '../helpers/cli.js';

const CASES = readdirSync(labsDir())
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((file) => parseLab(readFileSync(path.join(labsDir(), file), 'utf8'), file).engines.map((engine) => ({ lab: file.replace(/\.yaml$/, ''), engine })));

const envs: CliEnv[] = [];
afterAll(() => {
  killAll();
  for (const e of envs) e.cleanup();
});

function unfinished(text: string): string[] {
  const problems: string[] = [];
  for (const line of text.split('\n')) {
    // "}}" alone is JSON (a call's input); a template ends " }}".
    if (/\{\{|\s\}\}/.test(line)) problems.push(`raw template: ${line}`);
    if (/\b1 (times|writes|rows|statements|calls)\b/.test(line)) problems.push(`count and noun disagree: ${line}`);
    // A fraction with four or more digits: nothing the labs measure is that fine.
    if (/(?<![\d.])\d+\.\d{4,}(?![\d.])/.test(line)) problems.push(`figure past its resolution: ${line}`);
    if (/\bnull\b|\bundefined\b|\[object Object\]/.test(line.replace(/"[^"]*"/g, ''))) problems.push(`missing value printed: ${line}`);
  }
  return problems;
}

// Four CLIs at a time: each spawn is mostly start-up, and the file would take minutes one by one.
describe.concurrent('what show and a dry run print', () => {
  it('covers all nine labs on both engines', () => {
    expect(new Set(CASES.map((c) => c.lab)).size).toBe(9);
    expect(CASES).toHaveLength(18);
  });

  it.each(CASES)('show $lab --engine $engine is finished text', async ({ lab, engine }) => {
    const env = makeCliEnv();
    envs.push(env);
    const r = await runCli(env, ['show', lab, '--engine', engine, '--no-color']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Steps');
    expect(r.stdout).toContain(engine === 'aurora-mysql' ? '3306' : '5432');
    expect(unfinished(r.stdout + r.stderr)).toEqual([]);
  });

  it.each(CASES)('run $lab --dry-run --engine $engine is finished text', async ({ lab, engine }) => {
    const env = makeCliEnv();
    envs.push(env);
    const r = await runCli(env, ['run', lab, '--dry-run', '--yes', '--engine', engine, '--no-color'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/succeeded/);
    expect(unfinished(r.stdout + r.stderr)).toEqual([]);
  }, 130_000);
});
