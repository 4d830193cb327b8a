/** Waiting: the SDK's own waiters, and a poll-until on a JMESPath condition. Both have a maximum. */
import { AwsError, UserAbort } from '../../errors.js';
import type { PollStep, WaitStep, AwsStep } from '../../labs/schema.js';
import { evaluate, render, truthy } from '../../labs/template.js';
import type { SimService } from '../../sim/types.js';
import type { StepRecord } from '../../state/run-state.js';
import type { RunContext } from '../context.js';
import { addMeasurement, recordCall, type Execution } from '../execution.js';
import { forEachItems, NO_ITEM, runAwsStep } from './aws-step.js';

export async function runWaitStep(ex: Execution, step: WaitStep, ctx: RunContext, _rec: StepRecord): Promise<void> {
  const region = step.region ? String(render(step.region, ctx)) : ex.state.region;
  const items = forEachItems(step.forEach, ctx);
  // One wait that fails ends the step, and its siblings with it: a waiter for an instance deleted by
  // the teardown that follows would otherwise poll "not found" until its maximum (40 minutes).
  const siblings = new AbortController();
  const onAbort = () => siblings.abort();
  ex.signal.addEventListener('abort', onAbort, { once: true });
  let failure: { err: unknown } | undefined;
  try {
    await Promise.all(
      items.map(async (item) => {
        const input = render(step.input, item === NO_ITEM ? ctx : { ...ctx, item }, { now: () => ex.target.clients.clock.now() }) as Record<string, unknown>;
        // A waiter is many Describe calls, not one operation: it is reported, not listed among the calls.
        ex.reporter.emit({ code: 'aws.wait', level: 'info', message: `waiting: ${step.waiter} ${JSON.stringify(input)}`, data: { waiter: step.waiter, input } });
        try {
          await ex.target.clients.wait(step.service as SimService, step.waiter, input, {
            region,
            maxWaitSeconds: step.maxWaitSeconds,
            minDelaySeconds: ex.target.capabilities.waiterMinDelay,
            maxDelaySeconds: ex.target.capabilities.waiterMaxDelay,
            signal: siblings.signal,
          });
        } catch (err) {
          failure ??= { err };
          siblings.abort();
        }
      }),
    );
  } finally {
    ex.signal.removeEventListener('abort', onAbort);
  }
  if (failure) throw failure.err;
}

export async function runPollStep(ex: Execution, step: PollStep, ctx: RunContext, rec: StepRecord): Promise<void> {
  const region = step.region ? String(render(step.region, ctx)) : ex.state.region;
  // `$date` in the input reads the target's clock: on a dry run simulated data is on that clock.
  const input = render(step.input, ctx, { now: () => ex.target.clients.clock.now() }) as Record<string, unknown>;
  const condition = String(render(step.until, ctx));
  const failure = step.failWhen !== undefined ? String(render(step.failWhen, ctx)) : undefined;
  const reissueWhen = step.reissue?.when !== undefined ? String(render(step.reissue.when, ctx)) : undefined;
  const clock = ex.target.clients.clock;
  const scale = ex.target.capabilities.pollScale;
  const started = clock.now();
  const deadline = started + step.maxWaitSeconds * 1000;
  const intervalMs = step.intervalSeconds * 1000 * scale;
  let lastReissue = started;
  let polls = 0;
  await recordCall(ex, rec, { service: step.service, operation: step.operation, input, region });
  for (;;) {
    if (ex.signal.aborted) throw new UserAbort(`interrupted while waiting for: ${step.title}`);
    const output = await ex.target.clients.send(step.service as SimService, step.operation, input, { region, signal: ex.signal });
    polls++;
    if (truthy(evaluate(condition, output))) {
      for (const [name, expr] of Object.entries(step.capture ?? {})) ex.state.vars[name] = evaluate(String(render(expr, ctx)), output);
      if (step.measure) {
        const from = ex.state.steps[step.measure.from]?.calledAt;
        if (from !== undefined) addMeasurement(ex, step.measure.name, clock.now() - from, 'ms');
      }
      ex.reporter.emit({ code: 'poll.met', level: 'debug', message: `${step.id}: condition met after ${polls} polls` });
      return;
    }
    if (failure !== undefined && truthy(evaluate(failure, output))) {
      throw new AwsError(`${step.title}: the resource reached a state it does not leave by itself (${failure})`, {
        code: 'WAIT_FAILED',
        hint: 'see the resource with DescribeDB* (or `aurora-lab local status` on the local target, whose server log says why); `aurora-lab teardown` removes what the run made',
      });
    }
    const now = clock.now();
    if (now >= deadline) {
      throw new AwsError(`${step.title}: not reached within ${step.maxWaitSeconds} s (${condition})`, {
        code: 'WAIT_TIMEOUT',
        hint: 'the run is saved: run it again with the same --run-id to resume, or `aurora-lab teardown` to remove it',
      });
    }
    // A re-issue while the resource is still changing would be refused (a cluster failing over answers
    // InvalidDBClusterStateFault): only when `when` holds on this very answer.
    const due = step.reissue && now - lastReissue >= step.reissue.afterSeconds * 1000 * scale;
    if (due && (reissueWhen === undefined || truthy(evaluate(reissueWhen, output)))) {
      const again = ex.lab.steps.find((s) => s.id === step.reissue!.step) as AwsStep;
      ex.reporter.emit({ code: 'poll.reissue', level: 'warn', message: `${step.id}: not yet; calling ${again.operation} again` });
      await runAwsStep(ex, { ...again, capture: undefined }, ctx, rec);
      lastReissue = clock.now();
    }
    await clock.sleep(Math.min(intervalMs, Math.max(0, deadline - clock.now())), ex.signal);
  }
}
