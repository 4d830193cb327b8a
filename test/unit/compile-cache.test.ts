/**
 * The CLI's V8 code cache for CommonJS packages (src/cli/compile-cache.ts). It patches Node's module
 * loader, so each case runs in a child process of its own, through the built dist.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let work = '';

beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'alab-v8cache-'));
  // A CommonJS package under node_modules that uses what Node gives a module: require (relative and
  // of a built-in), require.resolve, __dirname and module.exports.
  const pkg = path.join(work, 'node_modules', 'lab-pkg');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(path.join(pkg, 'helper.js'), "exports.twice = (n) => n * 2;\n");
  writeModule('1');
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

function writeModule(version: string): void {
  writeFileSync(
    path.join(work, 'node_modules', 'lab-pkg', 'index.js'),
    `const { twice } = require('./helper.js');\nconst path = require('node:path');\n` +
      `module.exports = { version: '${version}', four: twice(2), helper: path.relative(__dirname, require.resolve('./helper.js')) };\n`,
  );
}

/** Loads lab-pkg in a new Node with the cache on (or off): what it exported. */
function load(cacheDir: string, env: Record<string, string> = {}): unknown {
  const script =
    `const { enableCompileCache } = await import(${JSON.stringify(path.join(ROOT, 'dist', 'cli', 'compile-cache.js'))});\n` +
    `enableCompileCache(${JSON.stringify(cacheDir)});\n` +
    `const { createRequire } = await import('node:module');\n` +
    `console.log(JSON.stringify(createRequire(${JSON.stringify(path.join(work, 'main.js'))})('lab-pkg')));\n`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: work, env: { ...process.env, ...env }, encoding: 'utf8' });
  return JSON.parse(out) as unknown;
}

const entries = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.bin'));

describe('the CLI’s code cache for CommonJS packages', () => {
  it('keeps an entry per module and gives the same exports when it reads them back', () => {
    const dir = path.join(work, 'cache');
    const first = load(dir);
    expect(first).toEqual({ version: '1', four: 4, helper: 'helper.js' });
    expect(entries(dir)).toHaveLength(2);
    expect(load(dir)).toEqual(first);
    expect(entries(dir)).toHaveLength(2);
  });

  it('never serves a changed file from an old entry: its new text is a new entry', () => {
    const dir = path.join(work, 'cache');
    load(dir);
    writeModule('2');
    expect(load(dir)).toMatchObject({ version: '2' });
    expect(entries(dir)).toHaveLength(3);
  });

  it('compiles as usual when an entry is not V8 code data (V8 rejects it), and rewrites it', () => {
    const dir = path.join(work, 'cache');
    load(dir);
    for (const name of entries(dir)) writeFileSync(path.join(dir, name), 'not code data');
    expect(load(dir)).toEqual({ version: '1', four: 4, helper: 'helper.js' });
    for (const name of entries(dir)) expect(readFileSync(path.join(dir, name), 'utf8')).not.toBe('not code data');
  });

  it('is left off with AURORA_LAB_COMPILE_CACHE=off', () => {
    const dir = path.join(work, 'cache');
    expect(load(dir, { AURORA_LAB_COMPILE_CACHE: 'off' })).toMatchObject({ version: '1' });
    expect(() => readdirSync(dir)).toThrow();
  });
});
