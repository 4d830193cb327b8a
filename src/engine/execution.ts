/** What every step executor gets: the run being executed and the means to record it. */
import type { Lab } from '../labs/schema.js';
import type { Reporter } from '../events.js';
import type { RunState, StepRecord, CheckResult, RecordedCall } from '../state/run-state.js';
import type { Target } from './target.js';
import { maskSensitive } from '../sim/shapes.js';
import type { SimService } from '../sim/types.js';

export interface Execution {
  lab: Lab;
  state: RunState;
  target: Target;
  reporter: Reporter;
  signal: AbortSignal;
  /** The run directory (probe timelines are saved here). */
  dir: string;
  /** Write state (and the target's own state) atomically. */
  persist(): Promise<void>;
  /** Probes running in this process, by name. */
  probes: Map<string, { stop(): Promise<unknown> }>;
  /** Secret values seen during the run, redacted from any message that might echo them. */
  secrets: Set<string>;
}

/** Record a call as sent, with the members the SDK's schema marks sensitive replaced by "***". */
export async function recordCall(ex: Execution, rec: StepRecord, call: RecordedCall): Promise<void> {
  const schemaMasked = await maskSensitive(call.service as SimService, call.operation, call.input);
  const masked = { ...call, input: maskKnownSecrets(schemaMasked, ex.secrets) };
  rec.calls.push(masked);
  rec.calledAt ??= ex.target.clients.clock.now();
  ex.reporter.emit({
    code: 'aws.call',
    level: 'debug',
    message: `${call.service}:${call.operation}`,
    data: masked,
  });
}

/**
 * A safety net behind the schema's sensitive trait: a string holding a value the run knows to be secret
 * (a generated password, a value read from Secrets Manager) is masked in whatever member it was put.
 */
export function maskKnownSecrets(value: unknown, secrets: ReadonlySet<string>): unknown {
  if (secrets.size === 0) return value;
  if (typeof value === 'string') return [...secrets].some((s) => s !== '' && value.includes(s)) ? '***' : value;
  if (Array.isArray(value)) return value.map((v) => maskKnownSecrets(v, secrets));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskKnownSecrets(v, secrets)]));
  }
  return value;
}

export function addCheck(ex: Execution, check: CheckResult): void {
  ex.state.checks.push(check);
  ex.reporter.emit({
    code: 'check',
    level: check.passed ? 'info' : 'warn',
    message: `${check.passed ? 'passed' : 'FAILED'}: ${check.name}${check.detail ? ` (${check.detail})` : ''}`,
    data: check,
  });
}

export function addMeasurement(ex: Execution, name: string, value: unknown, unit?: string): void {
  ex.state.measurements[name] = value;
  ex.reporter.emit({ code: 'measure', level: 'info', message: `${name} = ${String(value)}${unit ? ` ${unit}` : ''}`, data: { name, value, unit } });
}

/**
 * Add values to a measured series (kept in state for the report's charts, not in the run document):
 * one figure per forEach item, or a metric's datapoints. `replace` starts the series afresh.
 */
export function addSeriesValues(ex: Execution, name: string, values: unknown[], unit?: string, replace = false): void {
  const all = (ex.state.series ??= {});
  const current = all[name];
  all[name] = { ...(unit ? { unit } : {}), values: replace || !current ? [...values] : [...current.values, ...values] };
}
