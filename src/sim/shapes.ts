/**
 * The generic schema walker. The SDK v3 clients export their static schemas (`CreateDBCluster$`,
 * `CreateDBClusterMessage$` ...); @smithy/core's NormalizedSchema resolves their lazy references, member
 * traits and type codes, so the simulator validates, masks and (de)serialises every operation from the
 * SDK's own model instead of per-operation code.
 */
import { NormalizedSchema } from '@smithy/core/schema';
import { SERVICES } from './services.js';
import type { SimService } from './types.js';

export type Shape = NormalizedSchema;

export interface OperationShapes {
  /** SDK operation name, e.g. CreateDBCluster. */
  name: string;
  input: Shape;
  output: Shape;
  /** Every modelled error of the service (the static schemas do not list errors per operation). */
  errors: Shape[];
}

/** One problem with an input, addressed by its path (`Tags[0].Key`, `ServerlessV2ScalingConfiguration.MinCapacity`). */
export interface InputIssue {
  kind: 'unknown' | 'missing' | 'type' | 'operation';
  path: string;
  message: string;
}

type RawStatic = [number, string, string, unknown, ...unknown[]];

const moduleCache = new Map<SimService, Promise<Record<string, unknown>>>();

function loadModule(service: SimService): Promise<Record<string, unknown>> {
  let m = moduleCache.get(service);
  if (!m) {
    m = SERVICES[service].load();
    moduleCache.set(service, m);
  }
  return m;
}

function isStatic(value: unknown, code: number): value is RawStatic {
  return Array.isArray(value) && value.length >= 5 && value[0] === code && typeof value[2] === 'string';
}

export async function listOperations(service: SimService): Promise<string[]> {
  const mod = await loadModule(service);
  return Object.entries(mod)
    .filter(([k, v]) => k.endsWith('$') && isStatic(v, 9))
    .map(([, v]) => (v as RawStatic)[2])
    .sort();
}

const errorCache = new Map<SimService, Shape[]>();

/** Every modelled error shape of a service (`DBClusterNotFoundFault$` ...). */
export async function serviceErrors(service: SimService): Promise<Shape[]> {
  const cached = errorCache.get(service);
  if (cached) return cached;
  const mod = await loadModule(service);
  const errors = Object.entries(mod)
    .filter(([k, v]) => k.endsWith('$') && isStatic(v, -3))
    // The synthetic `<Service>ServiceException` base class is not an error AWS answers with.
    .filter(([, v]) => !(v as RawStatic)[1].startsWith('smithy.ts.sdk.synthetic'))
    .map(([, v]) => NormalizedSchema.of(v as never));
  errorCache.set(service, errors);
  return errors;
}

export async function operationSchema(service: SimService, operation: string): Promise<OperationShapes | undefined> {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(operation)) return undefined;
  const mod = await loadModule(service);
  const op = mod[`${operation}$`];
  if (!isStatic(op, 9) || op[2] !== operation) return undefined;
  return {
    name: operation,
    input: NormalizedSchema.of(op[4] as never),
    output: NormalizedSchema.of(op[5] as never),
    errors: await serviceErrors(service),
  };
}

export async function operationExists(service: SimService, operation: string): Promise<boolean> {
  return (await operationSchema(service, operation)) !== undefined;
}

/** Names of the members a structure requires: the static schema lists them first and says how many. */
export function requiredMembers(ns: Shape): Set<string> {
  if (!ns.isStructSchema()) return new Set();
  const raw = ns.getSchema() as unknown as unknown[];
  const names = (raw[4] as string[]) ?? [];
  const count = typeof raw[6] === 'number' ? raw[6] : 0;
  return new Set(names.slice(0, count));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  if (value instanceof Date || value instanceof Uint8Array) return false;
  return true;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a Date';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value === 'object' ? 'a structure' : `a ${typeof value}`;
}

/** The walk behind validateInput; exported for the server, which maps each kind to AWS's error code. */
export function checkValue(ns: Shape, value: unknown, path: string, issues: InputIssue[]): void {
  const wrong = (expected: string): void => {
    issues.push({ kind: 'type', path, message: `parameter "${path}" must be ${expected}, got ${describe(value)}` });
  };
  if (ns.isUnitSchema() || ns.isDocumentSchema()) return;
  if (ns.isStructSchema()) {
    if (!isPlainObject(value)) return wrong('a structure');
    const members = new Map(ns.structIterator());
    for (const key of Object.keys(value)) {
      if (!members.has(key)) {
        const p = join(path, key);
        issues.push({ kind: 'unknown', path: p, message: `unknown parameter "${p}"` });
      }
    }
    for (const name of requiredMembers(ns)) {
      if (value[name] == null) {
        const p = join(path, name);
        issues.push({ kind: 'missing', path: p, message: `The request must contain the parameter ${p}` });
      }
    }
    let set = 0;
    for (const [name, member] of members) {
      if (value[name] == null) continue;
      set++;
      checkValue(member, value[name], join(path, name), issues);
    }
    if (ns.isUnionSchema() && set !== 1) wrong('a union with exactly one member set');
    return;
  }
  if (ns.isListSchema()) {
    if (!Array.isArray(value)) return wrong('a list');
    const item = ns.getValueSchema();
    value.forEach((v, i) => {
      const p = `${path}[${i}]`;
      if (v == null) issues.push({ kind: 'type', path: p, message: `parameter "${p}" must not be null` });
      else checkValue(item, v, p, issues);
    });
    return;
  }
  if (ns.isMapSchema()) {
    if (!isPlainObject(value)) return wrong('a map');
    const item = ns.getValueSchema();
    for (const [k, v] of Object.entries(value)) {
      if (v != null) checkValue(item, v, `${path}[${JSON.stringify(k)}]`, issues);
    }
    return;
  }
  if (ns.isTimestampSchema()) {
    // The SDK's serialisers only write Date values: a string would be silently dropped on the wire.
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) wrong('a timestamp (Date)');
    return;
  }
  if (ns.isBlobSchema()) {
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) wrong('bytes (Uint8Array or string)');
    return;
  }
  if (ns.isBooleanSchema()) {
    if (typeof value !== 'boolean') wrong('a boolean');
    return;
  }
  if (ns.isNumericSchema()) {
    if (typeof value !== 'number' || Number.isNaN(value)) wrong('a number');
    return;
  }
  if (ns.isBigIntegerSchema() || ns.isBigDecimalSchema()) {
    if (typeof value !== 'number' && typeof value !== 'bigint' && typeof value !== 'string') wrong('a number');
    return;
  }
  if (ns.isStringSchema()) {
    if (typeof value !== 'string') wrong('a string');
  }
}

/** Every problem of an input against the SDK's request schema, each with its path. */
export async function inputIssues(service: SimService, operation: string, input: unknown): Promise<InputIssue[]> {
  const op = await operationSchema(service, operation);
  if (!op) return [{ kind: 'operation', path: '', message: `unknown operation ${service}:${operation}` }];
  const issues: InputIssue[] = [];
  checkValue(op.input, input ?? {}, '', issues);
  return issues;
}

/**
 * Every problem of an input against the SDK's request schema, as messages such as
 * `CreateDBCluster: unknown parameter "Foo"` or `CreateDBCluster: The request must contain the parameter Engine`.
 */
export async function validateInput(service: SimService, operation: string, input: unknown): Promise<string[]> {
  return (await inputIssues(service, operation, input)).map((i) => `${operation}: ${i.message}`);
}

/** Whether a member (or the shape it targets) carries the `sensitive` trait. */
export function isSensitive(ns: Shape): boolean {
  return !!ns.getMergedTraits().sensitive;
}

function mask(ns: Shape, value: unknown): unknown {
  if (value == null) return value;
  if (isSensitive(ns)) return '***';
  if (ns.isStructSchema() && isPlainObject(value)) {
    const members = new Map(ns.structIterator());
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const member = members.get(k);
      out[k] = member ? mask(member, v) : structuredCloneSafe(v);
    }
    return out;
  }
  if (ns.isListSchema() && Array.isArray(value)) {
    const item = ns.getValueSchema();
    return value.map((v) => mask(item, v));
  }
  if (ns.isMapSchema() && isPlainObject(value)) {
    const item = ns.getValueSchema();
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(item, v)]));
  }
  return structuredCloneSafe(value);
}

function structuredCloneSafe(value: unknown): unknown {
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof Uint8Array) return value.slice();
  if (Array.isArray(value)) return value.map(structuredCloneSafe);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, structuredCloneSafe(v)]));
  return value;
}

/**
 * A deep copy of an input with every member marked sensitive (MasterUserPassword, SecretString ...)
 * replaced by "***", for reports and logs. An unknown operation's input is copied unmasked.
 */
export async function maskSensitive(service: SimService, operation: string, input: unknown): Promise<unknown> {
  const op = await operationSchema(service, operation);
  if (!op) return structuredCloneSafe(input);
  return mask(op.input, input);
}

/** A deep copy of an output with sensitive members masked (SecretString in GetSecretValue ...). */
export async function maskSensitiveOutput(service: SimService, operation: string, output: unknown): Promise<unknown> {
  const op = await operationSchema(service, operation);
  if (!op) return structuredCloneSafe(output);
  return mask(op.output, output);
}
