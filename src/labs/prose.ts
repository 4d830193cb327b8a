/**
 * Prose a learner reads (titles, explanations, notices, check names and details, report lines) is
 * finished text: every template is replaced, a figure is printed at the resolution it was measured
 * at, and a value not known yet (`show` before any run, a dry run that runs no SQL) reads as words
 * naming it ("the snapshot ARN"), never as "{{ vars.snapshotArn }}" or "null".
 */
import { evaluate } from './template.js';

const TEMPLATE = /\{\{\s*([\s\S]+?)\s*\}\}/g;

/** Words for context values whose name alone does not say what they are. */
const KNOWN_WORDS: Record<string, string> = {
  'run.id': "the run's id",
  'run.prefix': 'al-<run-id>',
  'run.region': "the run's region",
  'run.account': 'your AWS account',
  'run.callerCidr': 'your address',
  port: "the engine's port",
  family: "the engine's family",
  engine: 'the engine',
  item: 'each item',
};

/** Spelled as people write them, when a name is split into words. */
const ACRONYMS: Record<string, string> = {
  arn: 'ARN', id: 'ID', ids: 'IDs', acu: 'ACU', tls: 'TLS', iam: 'IAM', sql: 'SQL', pi: 'PI', rds: 'RDS',
  vpc: 'VPC', ms: 'ms', aurora: 'Aurora', cidr: 'CIDR', dbi: 'DBI', cpu: 'CPU',
};

/**
 * What an unknown expression reads as: "vars.snapshotArn" -> "the snapshot ARN"; an expression
 * whose parts are all unknown reads as its last named value.
 */
export function unknownWords(expression: string): string {
  const known = KNOWN_WORDS[expression.trim()];
  if (known) return known;
  const names = [...expression.matchAll(/\b(?:vars|measurements|params|run|item)\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
  const name = names.at(-1);
  if (!name) return '(known at run time)';
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_]+/)
    .map((w) => ACRONYMS[w.toLowerCase()] ?? w.toLowerCase());
  return `the ${words.join(' ')}`;
}

/**
 * A number at the resolution it carries: whole numbers as they are; a fraction to three significant
 * digits (18.75 -> 18.8, 0.123456 -> 0.123), and to the unit when it is 100 or more (213.61 -> 214).
 * Milliseconds are whole: no clock here measures a fraction of one that matters to a learner.
 */
export function formatFigure(value: number, unit?: string): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  if (unit === 'ms' || Math.abs(value) >= 100) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatFigure(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) return value.map(asText).join(', ');
  return JSON.stringify(value);
}

/**
 * Every template replaced with its value as text; a value that is null, missing or cannot be
 * computed yet reads as `unknown(expression)` (words, by default).
 */
export function renderProse(text: string, context: unknown, unknown: (expression: string) => string = unknownWords): string {
  return text.replace(TEMPLATE, (_, expr: string) => {
    let value: unknown;
    try {
      value = evaluate(expr, context);
    } catch {
      return unknown(expr);
    }
    return value === null || value === undefined ? unknown(expr) : asText(value);
  });
}

/** The expressions of a text that have no value in the context (a report line waiting on a measurement). */
export function missingValues(text: string, context: unknown): string[] {
  const missing: string[] = [];
  for (const m of text.matchAll(TEMPLATE)) {
    try {
      const v = evaluate(m[1]!, context);
      if (v === null || v === undefined) missing.push(m[1]!);
    } catch {
      missing.push(m[1]!);
    }
  }
  return missing;
}
