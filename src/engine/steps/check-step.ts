/**
 * A check step judges what the run measured. Nothing holds vacuously: a check whose inputs were never
 * measured fails as "not measured" instead of being evaluated (null == null is true in JMESPath, and
 * "0 of 0 writes lost" proves nothing). Its inputs are every vars.x / measurements.x its assert names,
 * each of which must exist, and the lab's own `measured` conditions (each must hold).
 */
import { VerificationError } from '../../errors.js';
import type { CheckStep } from '../../labs/schema.js';
import { renderProse } from '../../labs/prose.js';
import { evaluate, truthy } from '../../labs/template.js';
import type { RunContext } from '../context.js';
import { addCheck, type Execution } from '../execution.js';

/** The dotted paths into vars and measurements an expression reads, outside its string literals. */
export function measuredInputs(expression: string): string[] {
  const code = expression.replace(/'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`|"(?:[^"\\]|\\.)*"/g, ' ');
  const paths = new Set<string>();
  for (const m of code.matchAll(/(?<![\w.])(vars|measurements)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) paths.add(`${m[1]}${m[2]}`);
  return [...paths];
}

/** What keeps the check from being judged: inputs that are absent, and `measured` conditions that do not hold. */
export function unmeasured(step: Pick<CheckStep, 'assert' | 'measured'>, ctx: RunContext): string[] {
  const existence = measuredInputs(step.assert).includes(step.assert.trim());
  const absent = (existence ? [] : measuredInputs(step.assert)).filter((p) => {
    const v = evaluate(p, ctx);
    return v === null || v === undefined;
  });
  const unmet = (step.measured ?? []).filter((cond) => !truthy(evaluate(cond, ctx)));
  return [...absent.map((p) => `${p} is absent`), ...unmet.map((c) => `${c} does not hold`)];
}

export function runCheckStep(ex: Execution, step: CheckStep, ctx: RunContext): void {
  const missing = unmeasured(step, ctx);
  const detail = step.detail ? renderProse(step.detail, ctx) : undefined;
  const name = renderProse(step.name, ctx);
  if (missing.length > 0) {
    const notMeasured = `not measured: ${missing.join('; ')}${detail ? ` (${detail})` : ''}`;
    addCheck(ex, { name, passed: false, notMeasured: true, detail: notMeasured, stepId: step.id });
    if (step.stop) stopRun(name, notMeasured);
    return;
  }
  const passed = truthy(evaluate(step.assert, ctx));
  addCheck(ex, { name, passed, detail, stepId: step.id });
  if (!passed && step.stop) stopRun(name, detail);
}

/** A `stop: true` check guards what comes after it: the run goes no further when it fails. */
function stopRun(name: string, detail: string | undefined): never {
  throw new VerificationError(`Check failed: ${name}${detail ? ` (${detail})` : ''}`, { hint: 'the run stopped before creating anything that depends on it' });
}
