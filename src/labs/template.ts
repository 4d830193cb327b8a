/**
 * Templates: `{{ expr }}` inside any string value of a lab, where expr is JMESPath evaluated against
 * the run context (run, engine, family, params, vars, measurements, item ...). A string that is exactly
 * one template yields the expression's value with its type (a list, a number, an object); a string
 * with text around templates yields text.
 */
import { randomInt } from 'node:crypto';
import jmespath from 'jmespath';

// @types/jmespath declares search only; the package also exports compile.
const { search, compile } = jmespath as unknown as {
  search(data: unknown, expression: string): unknown;
  compile(expression: string): unknown;
};

const TEMPLATE = /\{\{\s*([\s\S]+?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([\s\S]+?)\s*\}\}$/;

export class TemplateError extends Error {
  constructor(
    message: string,
    readonly expression: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

export function evaluate(expression: string, context: unknown): unknown {
  try {
    return search(context, expression);
  } catch (err) {
    throw new TemplateError(`cannot evaluate "${expression}": ${(err as Error).message}`, expression);
  }
}

/** JMESPath truthiness: false, null, '', [] and {} are false. */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

export function renderString(text: string, context: unknown): unknown {
  const whole = WHOLE.exec(text);
  if (whole && !whole[1]!.includes('}}')) return evaluate(whole[1]!, context);
  return text.replace(TEMPLATE, (_, expr: string) => {
    const value = evaluate(expr, context);
    if (value === null || value === undefined) return '';
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/**
 * `{ $date: value }` becomes a Date, because SDK timestamps (StartTime, EndTime) must be Dates and a
 * template can only give JSON: a number (or numeric text) is seconds from now (negative: the past),
 * other text an ISO 8601 time. The value may be a template.
 */
export function toDate(value: unknown, now = Date.now()): Date {
  const text = typeof value === 'string' ? value.trim() : value;
  const seconds = typeof text === 'number' ? text : typeof text === 'string' && /^[-+]?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
  const date = seconds !== undefined ? new Date(now + seconds * 1000) : typeof text === 'string' ? new Date(text) : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw new TemplateError(`$date needs seconds from now or an ISO 8601 time, got ${JSON.stringify(value)}`, String(value));
  return date;
}

/** The one key of `{ $key: spec }`, when the object is a resolver of that kind. */
function resolverSpec(value: object, key: string): unknown {
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === key ? (value as Record<string, unknown>)[key] : NO_SPEC;
}
const NO_SPEC = Symbol('no spec');

/**
 * Letters and digits only: nothing RDS refuses in a master password ('/', '"', '@', space) and nothing
 * a connection URI or a shell would need to escape.
 */
const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const PASSWORD_LENGTH = { min: 8, max: 128, default: 32 } as const;

/** `{ $generatePassword: { length } }`: a new random password, from crypto.randomInt (no modulo bias). */
export function generatePassword(spec: unknown): string {
  const raw = spec && typeof spec === 'object' ? (spec as Record<string, unknown>).length : undefined;
  const length = raw === undefined ? PASSWORD_LENGTH.default : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof length !== 'number' || !Number.isInteger(length) || length < PASSWORD_LENGTH.min || length > PASSWORD_LENGTH.max) {
    throw new TemplateError(`$generatePassword needs a length from ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max}, got ${JSON.stringify(raw)}`, '$generatePassword');
  }
  let out = '';
  for (let i = 0; i < length; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return out;
}

/** What a render reports besides its result (secret values it made, for redaction), and the time it reads. */
export interface RenderHooks {
  secret?(value: string): void;
  /** `$date`'s "now": the target's clock (a dry run's is virtual and may be ahead of Date.now()). */
  now?(): number;
}

/**
 * Render every string inside a value (objects and lists are copied, never mutated), and the resolvers:
 * `{ $date: x }` a Date, `{ $generatePassword: { length } }` a new password (reported to hooks.secret),
 * `{ $json: value }` the rendered value as JSON text. `{ $secretValue: ... }` is rendered like any
 * object: the aws step resolves it when it sends the call (it needs Secrets Manager).
 */
export function render(value: unknown, context: unknown, hooks: RenderHooks = {}): unknown {
  if (typeof value === 'string') return renderString(value, context);
  if (Array.isArray(value)) return value.map((v) => render(v, context, hooks));
  if (value instanceof Date) return new Date(value.getTime());
  if (value !== null && typeof value === 'object') {
    const date = resolverSpec(value, '$date');
    if (date !== NO_SPEC) return toDate(render(date, context, hooks), hooks.now?.() ?? Date.now());
    const password = resolverSpec(value, '$generatePassword');
    if (password !== NO_SPEC) {
      const made = generatePassword(render(password, context, hooks));
      hooks.secret?.(made);
      return made;
    }
    const json = resolverSpec(value, '$json');
    if (json !== NO_SPEC) return JSON.stringify(render(json, context, hooks));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const rendered = render(v, context, hooks);
      // A template that evaluates to null drops the member: optional SDK inputs stay unset.
      if (rendered !== null && rendered !== undefined) out[k] = rendered;
    }
    return out;
  }
  return value;
}

/** Every template expression in a value, for static checks. */
export function expressionsIn(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') {
    for (const m of value.matchAll(TEMPLATE)) found.push(m[1]!);
  } else if (Array.isArray(value)) {
    for (const v of value) expressionsIn(v, found);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) expressionsIn(v, found);
  }
  return found;
}

/** Throws TemplateError when the expression does not compile. */
export function compileCheck(expression: string): void {
  try {
    compile(expression);
  } catch (err) {
    throw new TemplateError(`invalid JMESPath "${expression}": ${(err as Error).message}`, expression);
  }
}
