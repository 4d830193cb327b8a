/**
 * Rules the schema alone cannot express: unique step ids, expressions that compile, references to
 * captures, params, connections, probes and steps that exist earlier in the lab (a reference to a later
 * step is how a cycle would show up in a list of steps).
 */
import type { Lab, Step } from './schema.js';
import { compileCheck, expressionsIn, TemplateError } from './template.js';

export interface RuleProblem {
  path: (string | number)[];
  message: string;
}

/** Names a probe-stop step records as measurements. */
export const PROBE_MEASUREMENTS = [
  'writeOutageMs',
  'readOutageMs',
  'reconnects',
  'acknowledgedWrites',
  'lostWrites',
  'probeResolutionMs',
  'writersSeen',
  'writeOutageOpen',
  'readOutageOpen',
] as const;

/** A probe's measurement under its lab's prefix: (target, writeOutageMs) -> targetWriteOutageMs. */
export function probeMeasurementName(prefix: string | undefined, name: string): string {
  return prefix ? `${prefix}${name[0]!.toUpperCase()}${name.slice(1)}` : name;
}

export function checkRules(lab: Lab): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const stepIds = new Map<string, number>();
  const vars = new Set<string>();
  const measurements = new Set<string>();
  const probes = new Set<string>();
  const params = new Set(Object.keys(lab.params));
  const connections = new Set(Object.keys(lab.connections));

  const checkExpressions = (value: unknown, where: (string | number)[], extraVars: Set<string>) => {
    for (const expr of expressionsIn(value)) checkExpression(expr, where, extraVars);
    // A "{{" left open would otherwise be sent to AWS as literal text.
    if (unclosedTemplate(value)) problems.push({ path: where, message: 'a template "{{ ... }}" is not closed' });
  };
  const checkExpression = (expr: string, where: (string | number)[], extraVars: Set<string>) => {
    try {
      compileCheck(expr);
    } catch (err) {
      problems.push({ path: where, message: (err as TemplateError).message });
      return;
    }
    for (const m of expr.matchAll(/\bvars\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
      if (!vars.has(m[1]!) && !extraVars.has(m[1]!)) {
        problems.push({ path: where, message: `"vars.${m[1]}" is not captured by an earlier step` });
      }
    }
    for (const m of expr.matchAll(/\bparams\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
      if (!params.has(m[1]!)) problems.push({ path: where, message: `"params.${m[1]}" is not a parameter of this lab` });
    }
  };
  const none = new Set<string>();

  lab.steps.forEach((step, i) => {
    const at = (...rest: (string | number)[]) => ['steps', i, ...rest];
    if (stepIds.has(step.id)) problems.push({ path: at('id'), message: `step id "${step.id}" is used twice` });
    if (step.when) checkExpression(step.when, at('when'), none);

    // Captures of a step are visible to its own later statements only (sql), so collect them as we go.
    const own = new Set<string>();
    switch (step.kind) {
      case 'aws':
        // verify repeats a marked step on resources a learner kept: only a call that reads may be repeated.
        if (step.verify && !READ_ONLY_OPERATION.test(step.operation)) {
          problems.push({ path: at('verify'), message: `operation ${step.operation} changes something: only a Describe, List or Get call may be marked verify` });
        }
        checkExpressions(step.input, at('input'), none);
        if (typeof step.forEach === 'string') checkExpressions(step.forEach, at('forEach'), none);
        if (step.creates) checkExpressions(step.creates, at('creates'), none);
        for (const [name, expr] of Object.entries(step.capture ?? {})) checkCapture(name, expr, at('capture', name), own);
        break;
      case 'wait':
        checkExpressions(step.input, at('input'), none);
        break;
      case 'poll':
        if (step.verify && !READ_ONLY_OPERATION.test(step.operation)) {
          problems.push({ path: at('verify'), message: `operation ${step.operation} changes something: only a Describe, List or Get call may be marked verify` });
        }
        // verify runs only marked steps: a reissue would call a step it leaves out, a measure would time from a call it never made.
        if (step.verify && (step.reissue || step.measure)) {
          problems.push({ path: at('verify'), message: 'a poll that reissues a step or measures from one cannot be marked verify' });
        }
        checkExpressions(step.input, at('input'), none);
        compileOr(step.until, at('until'));
        for (const [name, expr] of Object.entries(step.capture ?? {})) checkCapture(name, expr, at('capture', name), own);
        if (step.reissue) refStep(step.reissue.step, at('reissue', 'step'), 'aws');
        if (step.reissue?.when) compileOr(step.reissue.when, at('reissue', 'when'));
        if (step.measure) {
          refStep(step.measure.from, at('measure', 'from'));
          measurements.add(step.measure.name);
        }
        break;
      case 'sql': {
        refConnection(step.connection, at('connection'));
        if (step.override) checkExpressions(step.override, at('override'), none);
        if (step.measureConnectAs) measurements.add(step.measureConnectAs);
        const lists = Array.isArray(step.statements)
          ? [['statements', step.statements] as const]
          : ([['statements', 'postgres', step.statements.postgres], ['statements', 'mysql', step.statements.mysql]] as const).map(
              ([a, b, list]) => [`${a}.${b}`, list] as const,
            );
        for (const [where, list] of lists) {
          const seen = new Set<string>();
          list.forEach((st, j) => {
            const p = [...at(...where.split('.')), j];
            checkExpressions(st.sql, [...p, 'sql'], seen);
            checkExpressions(st.params ?? [], [...p, 'params'], seen);
            if (st.expect) compileOr(st.expect, [...p, 'expect']);
            if ((st.expect || st.expectError) && !st.check) {
              problems.push({ path: [...p, 'check'], message: 'an expect or expectError needs a check: the sentence it proves, as the learner reads it' });
            }
            if (st.check) checkName(st.check, [...p, 'check']);
            for (const [name, expr] of Object.entries(st.capture ?? {})) {
              compileOr(expr, [...p, 'capture', name]);
              seen.add(name);
              own.add(name);
            }
            if (st.measureAs) measurements.add(st.measureAs);
            if (st.retryUntil && !st.expect) problems.push({ path: [...p, 'retryUntil'], message: 'retryUntil needs an expect to wait for' });
          });
        }
        break;
      }
      case 'probe-start':
        refConnection(step.connection, at('connection'));
        if (step.readConnection) refConnection(step.readConnection, at('readConnection'));
        if (probes.has(step.probe)) problems.push({ path: at('probe'), message: `probe "${step.probe}" is already started` });
        probes.add(step.probe);
        if (step.resumeFrom) refStep(step.resumeFrom, at('resumeFrom'));
        break;
      case 'probe-stop': {
        if (!probes.has(step.probe)) problems.push({ path: at('probe'), message: `probe "${step.probe}" is not started by an earlier step` });
        if (step.verifyConnection) refConnection(step.verifyConnection, at('verifyConnection'));
        if (step.recovery?.writer) checkExpressions(step.recovery.writer, at('recovery', 'writer'), none);
        // The window is repeated when a run resumes after losing its probe: repeating a create would make a second resource.
        const start = lab.steps.findIndex((s) => s.kind === 'probe-start' && s.probe === step.probe);
        const startStep = lab.steps[start];
        const named = startStep?.kind === 'probe-start' && startStep.resumeFrom ? lab.steps.findIndex((s) => s.id === startStep.resumeFrom) : -1;
        const from = named >= 0 && named < start ? named : start;
        for (const inner of from >= 0 ? lab.steps.slice(from, i) : []) {
          if (inner.kind === 'aws' && inner.creates) {
            problems.push({ path: at('probe'), message: `step "${inner.id}" creates a resource inside probe "${step.probe}"'s window, which a resumed run repeats` });
          }
        }
        for (const m of PROBE_MEASUREMENTS) measurements.add(probeMeasurementName(step.measurementPrefix, m));
        if (step.allowDataLoss) {
          if (!step.verifyConnection) problems.push({ path: at('allowDataLoss'), message: 'allowDataLoss needs a verifyConnection to count the lost writes through' });
          measurements.add(probeMeasurementName(step.measurementPrefix, 'lostWritesWindowMs'));
        }
        if (step.measure) {
          refStep(step.measure.from, at('measure', 'from'));
          measurements.add(step.measure.name);
        }
        break;
      }
      case 'check':
        checkName(step.name, at('name'));
        compileOr(step.assert, at('assert'));
        checkExpressionsVars(step.assert, at('assert'));
        (step.measured ?? []).forEach((m, k) => {
          compileOr(m, at('measured', k));
          checkExpressionsVars(m, at('measured', k));
        });
        if (step.detail) checkExpressions(step.detail, at('detail'), none);
        break;
      case 'measure':
        checkExpressions(step.value, at('value'), none);
        measurements.add(step.name);
        break;
      case 'note':
        break;
    }
    for (const name of own) vars.add(name);
    stepIds.set(step.id, i);
  });

  Object.entries(lab.connections).forEach(([name, conn]) => checkExpressions(conn, ['connections', name], vars));
  (lab.report ?? []).forEach((line, i) => {
    checkExpressions(line, ['report', i], none);
    for (const expr of expressionsIn(line)) {
      for (const m of expr.matchAll(/\bmeasurements\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
        if (!measurements.has(m[1]!)) problems.push({ path: ['report', i], message: `"measurements.${m[1]}" is not recorded by any step` });
      }
    }
  });
  return problems;

  /** A condition is JMESPath that may hold templates ('{{ vars.x }}'): check both parts. */
  function compileOr(expr: string, where: (string | number)[]) {
    for (const inner of expressionsIn(expr)) checkExpression(inner, where, none);
    try {
      compileCheck(expr.replace(/\{\{[\s\S]+?\}\}/g, 'x'));
    } catch (err) {
      problems.push({ path: where, message: (err as TemplateError).message });
    }
  }
  // A check's assert is a bare expression (no braces): check its references too.
  function checkExpressionsVars(expr: string, where: (string | number)[]) {
    for (const m of expr.matchAll(/\bvars\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
      if (!vars.has(m[1]!)) problems.push({ path: where, message: `"vars.${m[1]}" is not captured by an earlier step` });
    }
  }
  /** A check is read as a verdict on a sentence; an expression in its name says what it computes, not what it proves. */
  function checkName(name: string, where: (string | number)[]) {
    const prose = name.replace(/\{\{[\s\S]+?\}\}/g, 'x');
    if (EXPRESSION_IN_NAME.test(prose) || !/\s/.test(prose.trim())) {
      problems.push({ path: where, message: `check "${name}" is named by an expression: name it by the sentence it proves` });
    }
  }
  function checkCapture(name: string, expr: string, where: (string | number)[], own: Set<string>) {
    compileOr(expr, where); // may hold templates, like any condition
    own.add(name);
  }
  function refStep(id: string, where: (string | number)[], kind?: Step['kind']) {
    const idx = stepIds.get(id);
    if (idx === undefined) {
      problems.push({ path: where, message: `step "${id}" does not come before this one` });
    } else if (kind && lab.steps[idx]!.kind !== kind) {
      problems.push({ path: where, message: `step "${id}" is a ${lab.steps[idx]!.kind} step, not ${kind}` });
    }
  }
  function refConnection(name: string, where: (string | number)[]) {
    if (!connections.has(name)) problems.push({ path: where, message: `connection "${name}" is not defined under connections` });
  }
}

/** SDK operations that only read, by AWS's naming: the only aws steps `verify` may repeat. */
const READ_ONLY_OPERATION = /^(Describe|List|Get)[A-Z]/;

/** JMESPath operators and literals: ==, !=, <=, >=, &&, ||, `literal`, rows[0]. */
const EXPRESSION_IN_NAME = /==|!=|<=|>=|&&|\|\||`|\w\[\d*\]/;

function unclosedTemplate(value: unknown): boolean {
  if (typeof value === 'string') return /\{\{(?![^{}]*\}\})/.test(value);
  if (Array.isArray(value)) return value.some(unclosedTemplate);
  if (value !== null && typeof value === 'object') return Object.values(value).some(unclosedTemplate);
  return false;
}
