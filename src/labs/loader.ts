/**
 * Lab files: YAML -> parsed document -> schema -> static rules. Every problem is collected and reported
 * at once as `file:LINE:COL: message`; nothing runs from a file that has one.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Document } from 'yaml';
import type { z } from 'zod';
import { LabFileError } from '../errors.js';
import { cachedLab, keepLab } from './lab-cache.js';
import { labSchemas, type Lab } from './schema.js';
import { checkRules, type RuleProblem } from './rules.js';

// yaml is loaded only to parse a lab that is not in the cache (lab-cache.ts); parseLab is synchronous,
// and yaml's Node entry is CommonJS, so require() gives the same module `import` would.
const requireCjs = createRequire(import.meta.url);
let yamlModule: typeof import('yaml') | undefined;
const yaml = (): typeof import('yaml') => (yamlModule ??= requireCjs('yaml') as typeof import('yaml'));

/** Lab files larger than this are refused before parsing (a lab is a few KiB). */
export const MAX_LAB_BYTES = 256 * 1024;
/** Alias expansion budget: a YAML "billion laughs" file fails fast instead of eating memory. */
const MAX_ALIAS_COUNT = 100;

export interface LoadedLab {
  lab: Lab;
  /** Path as given or as found in labs/. */
  file: string;
  source: string;
}

export function labsDir(): string {
  // dist/labs/loader.js and src/labs/loader.ts both sit two levels below the package root.
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'labs');
}

export async function listLabFiles(dir = labsDir()): Promise<string[]> {
  const names = await readdir(dir);
  return names
    .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
    .sort()
    .map((n) => path.join(dir, n));
}

/** A lab argument is a name in labs/ or a path to a YAML file. */
export async function resolveLabFile(ref: string, dir = labsDir()): Promise<string> {
  const looksLikePath = ref.includes('/') || ref.includes(path.sep) || /\.ya?ml$/.test(ref);
  if (looksLikePath) {
    const st = await stat(ref).catch(() => undefined);
    if (!st?.isFile()) throw new LabFileError(`no lab file at ${ref}`, { hint: 'check the path, or give a lab name from `aurora-lab list`' });
    return path.resolve(ref);
  }
  if (!/^[a-z][a-z0-9-]*$/.test(ref)) {
    throw new LabFileError(`"${ref}" is not a lab name`, { hint: 'lab names are lowercase words joined by hyphens; see `aurora-lab list`' });
  }
  const file = path.join(dir, `${ref}.yaml`);
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) {
    const known = (await listLabFiles(dir).catch(() => [])).map((f) => path.basename(f, '.yaml'));
    throw new LabFileError(`unknown lab "${ref}"`, { hint: `known labs: ${known.join(', ') || 'none'}; see \`aurora-lab list\`` });
  }
  return file;
}

export async function loadLab(ref: string, dir = labsDir()): Promise<LoadedLab> {
  const file = await resolveLabFile(ref, dir);
  const st = await stat(file);
  const shown = displayPath(file);
  if (st.size > MAX_LAB_BYTES) {
    throw new LabFileError(`${shown} is ${st.size} bytes; a lab file may be at most ${MAX_LAB_BYTES}`, {
      details: [`${shown}:1:1: the file is ${st.size} bytes, over the ${MAX_LAB_BYTES}-byte limit for a lab`],
      hint: 'split the lab or remove generated content',
    });
  }
  const source = await readFile(file, 'utf8');
  return { lab: parseLab(source, shown), file, source };
}

/**
 * Parse and validate a lab's text; throws LabFileError listing every problem as file:line:col. A text
 * validated before (by this version of the validator) comes from the cache; `file` only names the
 * problems of a text that has some, and those are never cached.
 */
export function parseLab(source: string, file = 'lab.yaml'): Lab {
  const cached = cachedLab<Lab>(source);
  if (cached) return cached;
  const lab = validateLab(source, file);
  keepLab(source, lab);
  return lab;
}

function validateLab(source: string, file: string): Lab {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): string => {
    const pos = lineCounter.linePos(offset ?? 0);
    return `${file}:${pos.line}:${pos.col}`;
  };
  const problems: string[] = [];
  for (const e of doc.errors) problems.push(`${at(e.pos[0])}: ${firstLine(e.message)}`);
  if (problems.length > 0) throw invalid(file, problems);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw invalid(file, [`${at(0)}: ${firstLine((err as Error).message)} (too many aliases?)`]);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw invalid(file, [`${at(0)}: a lab file must be a mapping with name, title, level, engines, summary, estimate and steps`]);
  }

  const parsed = labSchemas().lab.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${at(offsetOf(doc, issue.path, issue))}: ${describeIssue(issue)}`);
    throw invalid(file, problems);
  }
  const ruleProblems: RuleProblem[] = checkRules(parsed.data);
  if (ruleProblems.length > 0) {
    for (const p of ruleProblems) problems.push(`${at(offsetOf(doc, p.path))}: ${p.message}`);
    throw invalid(file, problems);
  }
  return parsed.data;
}

function invalid(file: string, problems: string[]): LabFileError {
  const n = problems.length;
  return new LabFileError(`${file} is not a valid lab (${n} problem${n === 1 ? '' : 's'})`, {
    details: problems,
    hint: 'fix the lines above; the schema is labs/lab.schema.json',
  });
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

/** The offset of the deepest node that exists along a path (a missing key points at its parent). */
function offsetOf(doc: Document, p: ReadonlyArray<PropertyKey>, issue?: z.core.$ZodIssue): number {
  const keys = p.map((k) => (typeof k === 'symbol' ? String(k) : k));
  // For an unknown key, point at the key itself rather than at its parent mapping.
  if (issue?.code === 'unrecognized_keys' && issue.keys.length > 0) keys.push(issue.keys[0]!);
  for (let n = keys.length; n >= 0; n--) {
    const node = doc.getIn(keys.slice(0, n), true);
    if (yaml().isNode(node) && node.range) {
      if (issue?.code === 'unrecognized_keys' && n === keys.length) return keyOffset(doc, keys) ?? node.range[0];
      return node.range[0];
    }
  }
  return 0;
}

function keyOffset(doc: Document, keys: (string | number)[]): number | undefined {
  const parent = doc.getIn(keys.slice(0, -1), true) as { items?: { key?: { value?: unknown; range?: number[] } }[] } | undefined;
  const pair = parent?.items?.find((it) => it.key?.value === keys[keys.length - 1]);
  return pair?.key?.range?.[0];
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  if (issue.code === 'unrecognized_keys') return `${where}unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator) {
    return `${where}unknown step kind; expected one of aws, wait, poll, sql, probe-start, probe-stop, check, measure, note`;
  }
  return `${where}${issue.message}`;
}

export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}
