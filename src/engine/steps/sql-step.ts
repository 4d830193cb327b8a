/**
 * A SQL step: statements over one connection (or one per forEach item), each with an optional
 * expectation that becomes a check, captures into vars, and a retry-until for things that take time
 * to become true (a row reaching a replica).
 */
import type { SqlStatement, SqlStep } from '../../labs/schema.js';
import { evaluate, render, truthy } from '../../labs/template.js';
import { renderProse } from '../../labs/prose.js';
import { UserAbort } from '../../errors.js';
import { SqlError } from '../../sql/sql-error.js';
import type { QueryResult, SqlSession } from '../../sql/types.js';
import { resolveConnection } from '../connections.js';
import type { RunContext } from '../context.js';
import { addCheck, addMeasurement, addSeriesValues, type Execution } from '../execution.js';
import { forEachItems, NO_ITEM } from './aws-step.js';
import { sleep } from '../../sql/timeout.js';

export async function runSqlStep(ex: Execution, step: SqlStep, ctx: RunContext): Promise<void> {
  const statements = Array.isArray(step.statements) ? step.statements : step.statements[ctx.family];
  const items = forEachItems(step.forEach, ctx);
  const perItem = await Promise.all(
    items.map(async (item) => {
      const itemCtx: RunContext = item === NO_ITEM ? { ...ctx, vars: { ...ctx.vars } } : { ...ctx, vars: { ...ctx.vars }, item };
      const override = step.override ? (render(step.override, itemCtx) as Record<string, unknown>) : undefined;
      const conn = await resolveConnection(ex, step.connection, override, itemCtx);
      const { openSession } = await import('../../sql/session.js');
      const captured: Record<string, unknown> = {};
      if (step.connectTimeoutSeconds) conn.connectTimeoutMs = step.connectTimeoutSeconds * 1000;
      let session: SqlSession;
      const connecting = Date.now();
      try {
        session = await openSession(conn, { queryTimeoutMs: (step.queryTimeoutSeconds ?? 30) * 1000, signal: ex.signal });
        // Per item, the last one wins: a step measuring its connect has one connection.
        if (step.measureConnectAs) addMeasurement(ex, step.measureConnectAs, Date.now() - connecting, 'ms');
      } catch (err) {
        // A refused login is the outcome a negative check (bad token, no TLS) expects of its first statement.
        const first = statements[0]!;
        if (!(err instanceof SqlError) || !first.expectError) throw err;
        errorCheck(ex, step, first, itemCtx, err);
        return captured;
      }
      try {
        for (const st of statements) await runStatement(ex, step, st, session, itemCtx, captured);
      } catch (err) {
        // Ctrl-C during a long statement (a load, a sleep) stops the step now, not when the statement ends.
        if (ex.signal.aborted) throw new UserAbort(`${step.id} was interrupted`);
        throw err;
      } finally {
        await session.close();
      }
      return captured;
    }),
  );
  const names = new Set(perItem.flatMap((c) => Object.keys(c)));
  for (const name of names) ex.state.vars[name] = items[0] === NO_ITEM ? perItem[0]![name] : perItem.map((c) => c[name]);
}

async function runStatement(ex: Execution, step: SqlStep, st: SqlStatement, session: SqlSession, ctx: RunContext, captured: Record<string, unknown>) {
  // Templated like every other field: identifiers (a user or database name from params) cannot be bind parameters.
  const sql = String(render(st.sql, ctx));
  const params = st.params ? (render(st.params, ctx) as unknown[]) : undefined;
  // The loader requires a check sentence with every expectation; the title only guards a lab built in code.
  const checkName = st.check ? renderProse(st.check, ctx) : renderProse(step.title, ctx);
  const started = Date.now();

  if (st.expectError) {
    const wanted = Array.isArray(st.expectError) ? st.expectError : [st.expectError];
    try {
      await session.query(sql, params);
      addCheck(ex, { name: checkName, passed: false, detail: `succeeded; expected error ${wanted.join(' or ')}`, stepId: step.id });
    } catch (err) {
      if (!(err instanceof SqlError) || ex.signal.aborted) throw err;
      errorCheck(ex, step, st, ctx, err);
    }
    return;
  }

  const deadline = started + (st.retryUntil?.maxSeconds ?? 0) * 1000;
  let result: QueryResult;
  let met = true;
  let attempts = 0;
  for (;;) {
    attempts++;
    result = await session.query(sql, params);
    if (!st.expect) break;
    const condition = String(render(st.expect, ctx));
    met = truthy(evaluate(condition, result));
    if (met || !st.retryUntil || Date.now() >= deadline || ex.signal.aborted) break;
    await sleep(st.retryUntil.intervalMs, ex.signal);
  }
  const elapsed = Date.now() - started;
  if (st.expect) {
    const shown = JSON.stringify(result.rows.slice(0, 3));
    addCheck(ex, { name: checkName, passed: met, detail: met ? `after ${elapsed} ms` : `got ${shown.length > 200 ? `${shown.slice(0, 200)}…` : shown}${attempts > 1 ? ` after ${attempts} tries` : ''}`, stepId: step.id });
  }
  if (st.measureAs) addMeasurement(ex, st.measureAs, elapsed, 'ms');
  // In a forEach the measurement keeps the last item's figure; the series keeps every item's, for the report.
  if (st.measureAs && ctx.item !== undefined) addSeriesValues(ex, st.measureAs, [{ item: itemLabel(ctx.item), value: elapsed, at: Date.now() }], 'ms');
  for (const [name, expr] of Object.entries(st.capture ?? {})) {
    captured[name] = evaluate(String(render(expr, ctx)), result);
    ctx.vars[name] = captured[name];
  }
}

function errorCheck(ex: Execution, step: SqlStep, st: SqlStatement, ctx: RunContext, err: SqlError): void {
  const wanted = Array.isArray(st.expectError) ? st.expectError : [st.expectError!];
  const checkName = st.check ? renderProse(st.check, ctx) : renderProse(step.title, ctx);
  const passed = wanted.includes(err.code);
  addCheck(ex, { name: checkName, passed, detail: `${err.code}${passed ? '' : ` (expected ${wanted.join(' or ')})`}`, stepId: step.id });
}

/** A forEach item as a label: an instance record by its id, anything else as text. */
function itemLabel(item: unknown): string {
  if (item !== null && typeof item === 'object' && 'id' in item) return String((item as { id: unknown }).id);
  return typeof item === 'string' ? item : JSON.stringify(item);
}
