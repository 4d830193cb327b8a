/** The object every template and JMESPath condition of a lab is evaluated against. */
import type { Lab } from '../labs/schema.js';
import type { EngineFamily } from '../sql/types.js';
import type { RunState } from '../state/run-state.js';
import { runTags, type Tag } from './tags.js';
import type { TargetCapabilities, TargetName } from './target.js';

export type { EngineFamily };


export function engineFamily(engine: string): EngineFamily {
  return engine.includes('mysql') ? 'mysql' : 'postgres';
}

export function familyName(engine: string): string {
  return engineFamily(engine) === 'mysql' ? 'MySQL' : 'PostgreSQL';
}

export function defaultPort(engine: string): number {
  return engineFamily(engine) === 'mysql' ? 3306 : 5432;
}

export interface RunContext {
  run: { id: string; prefix: string; region: string; account?: string; expiresAt: string; callerCidr: string };
  lab: { name: string; title: string };
  engine: string;
  family: EngineFamily;
  /** The family as people write it, for prose: PostgreSQL, MySQL. */
  familyName: string;
  port: number;
  /** controlPlane: who answers the RDS API, as prose ("AWS", "the local control plane"). */
  target: { name: TargetName; network: boolean; sql: boolean; controlPlane: string };
  params: Record<string, unknown>;
  vars: Record<string, unknown>;
  measurements: Record<string, unknown>;
  tags: Tag[];
  item?: unknown;
}

/** A report line says who did what: on a local run the writer is moved by our own control plane, not AWS. */
export const CONTROL_PLANES: Record<TargetName, string> = {
  aws: 'AWS',
  local: 'the local control plane',
  'dry-run': 'the simulated control plane',
};

/** Resource names of a run start with this: short enough for every RDS identifier limit (63). */
export function resourcePrefix(runId: string): string {
  return `al-${runId}`;
}

export function buildContext(lab: Lab, state: RunState, target: { name: TargetName; capabilities: TargetCapabilities }): RunContext {
  return {
    run: { id: state.runId, prefix: resourcePrefix(state.runId), region: state.region, account: state.account, expiresAt: state.expiresAt, callerCidr: state.callerCidr ?? '' },
    lab: { name: lab.name, title: lab.title },
    engine: state.engine,
    family: engineFamily(state.engine),
    familyName: familyName(state.engine),
    port: defaultPort(state.engine),
    target: { name: target.name, network: target.capabilities.network, sql: target.capabilities.sql, controlPlane: CONTROL_PLANES[target.name] },
    params: state.params,
    vars: state.vars,
    measurements: state.measurements,
    tags: runTags(state.runId, lab.name, state.expiresAt),
  };
}

/** Parameters: lab defaults overridden by --param key=value (typed like the default). */
export function resolveParams(lab: Lab, overrides: Record<string, string>): { params: Record<string, unknown>; unknown: string[] } {
  const params: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(lab.params)) params[k] = spec.default;
  const unknown: string[] = [];
  for (const [k, raw] of Object.entries(overrides)) {
    const spec = lab.params[k];
    if (!spec) {
      unknown.push(k);
      continue;
    }
    if (typeof spec.default === 'number') {
      const n = Number(raw);
      params[k] = Number.isFinite(n) ? n : raw;
    } else if (typeof spec.default === 'boolean') {
      params[k] = raw === 'true' ? true : raw === 'false' ? false : raw;
    } else {
      params[k] = raw;
    }
  }
  return { params, unknown };
}
