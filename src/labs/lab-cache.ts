/**
 * Validated labs, kept under $AURORA_LAB_HOME/cache/labs so that a run, its report and `list` do not
 * parse and validate the same YAML again: parsing a lab with yaml, then zod and the static rules, took
 * most of a dry run's start-up (and the report parses the run's copy once more at the end).
 *
 * An entry is keyed by the SHA-256 of the lab's text and of everything that decides the result: the
 * loader's own compiled modules (schema, rules, templates) and the yaml, zod and jmespath versions. Any change
 * to either gives a new key, so a stale entry is never read. Only labs that passed every check are
 * kept, and only when their value survives JSON unchanged. A missing, unreadable or foreign entry is a
 * miss, and a cache that cannot be written (a read-only home) is simply not kept: the lab is then
 * validated as before.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { homeDir } from '../state/paths.js';

/** Entries beyond this many are removed, oldest first (each edit of a lab being written makes one). */
const MAX_ENTRIES = 64;
/** Bumped when an entry's layout changes. */
const FORMAT = 1;

/** The modules whose code decides what a lab file parses to (dist/labs/*.js beside this one). */
const VALIDATOR_MODULES = ['loader.js', 'schema.js', 'rules.js', 'template.js', 'lab-cache.js'];

let validatorId: string | undefined;

/** A digest of the validator: its modules' text and the versions of the packages it runs on. */
function validatorDigest(): string {
  if (validatorId) return validatorId;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const require = createRequire(import.meta.url);
  const h = createHash('sha256').update(`format ${FORMAT}\n`);
  for (const name of VALIDATOR_MODULES) {
    // Under vitest the sources are .ts files: hash whichever exists.
    const file = [path.join(here, name), path.join(here, name.replace(/\.js$/, '.ts'))].find((f) => statSync(f, { throwIfNoEntry: false }));
    h.update(`${name}\n`).update(file ? readFileSync(file) : 'absent');
  }
  for (const pkg of ['yaml', 'zod', 'jmespath']) h.update(`${pkg} ${(require(`${pkg}/package.json`) as { version: string }).version}\n`);
  validatorId = h.digest('hex');
  return validatorId;
}

export function cacheDir(): string {
  return path.join(homeDir(), 'cache', 'labs');
}

export function cacheKey(source: string): string {
  return createHash('sha256').update(validatorDigest()).update('\0').update(source).digest('hex');
}

interface Entry {
  format: number;
  key: string;
  lab: unknown;
}

/** The validated lab for this text, or undefined when it has not been kept (or cannot be read). */
export function cachedLab<T>(source: string): T | undefined {
  try {
    const key = cacheKey(source);
    const entry = JSON.parse(readFileSync(path.join(cacheDir(), `${key}.json`), 'utf8')) as Entry;
    // The key inside guards against an entry copied or renamed by hand.
    return entry.format === FORMAT && entry.key === key ? (entry.lab as T) : undefined;
  } catch {
    return undefined;
  }
}

/** Keep a lab that passed validation; quietly does nothing when it cannot. */
export function keepLab(source: string, lab: unknown): void {
  // Into an existing home only: `list` or a refused run on a new machine leaves nothing behind.
  if (!survivesJson(lab) || !existsSync(homeDir())) return;
  try {
    const dir = cacheDir();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const key = cacheKey(source);
    const file = path.join(dir, `${key}.json`);
    // Written beside and renamed: a concurrent reader sees the whole entry or none.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, JSON.stringify({ format: FORMAT, key, lab } satisfies Entry), { mode: 0o600 });
    renameSync(tmp, file);
    prune(dir);
  } catch {
    // No cache: the next load validates again, which is correct, only slower.
  }
}

/** True when JSON.parse(JSON.stringify(value)) gives the same value back. */
function survivesJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(survivesJson);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value as Record<string, unknown>).every((v) => v !== undefined && survivesJson(v));
  }
  return false;
}

function prune(dir: string): void {
  const entries = readdirSync(dir).filter((n) => n.endsWith('.json'));
  if (entries.length <= MAX_ENTRIES) return;
  const aged = entries
    .map((n) => ({ n, at: statSync(path.join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => a.at - b.at);
  for (const { n } of aged.slice(0, entries.length - MAX_ENTRIES)) {
    try {
      unlinkSync(path.join(dir, n));
    } catch {
      // Another process removed it first.
    }
  }
}
