/** A wait step over several resources: one that fails ends the others' waits too. */
import { describe, expect, it } from 'vitest';
import { runWaitStep } from '../../src/engine/steps/wait-steps.js';
import type { Execution } from '../../src/engine/execution.js';
import type { RunContext } from '../../src/engine/context.js';
import type { WaitStep } from '../../src/labs/schema.js';
import type { StepRecord } from '../../src/state/run-state.js';

function fakeExecution(wait: (input: Record<string, unknown>, signal: AbortSignal) => Promise<void>, signal = new AbortController().signal) {
  return {
    signal,
    state: { region: 'us-east-1' },
    reporter: { emit: () => {} },
    target: {
      capabilities: {},
      clients: { clock: { now: () => Date.now() }, wait: (_s: string, _w: string, input: Record<string, unknown>, o: { signal: AbortSignal }) => wait(input, o.signal) },
    },
  } as unknown as Execution;
}

const step = {
  id: 'wait-instances', kind: 'wait', title: 'Wait for the instances', service: 'rds', waiter: 'DBInstanceAvailable',
  forEach: ['a', 'b'], input: { DBInstanceIdentifier: '{{ item }}' }, maxWaitSeconds: 2400,
} as unknown as WaitStep;
const ctx = { vars: {} } as unknown as RunContext;
const rec = { status: 'running', startedAt: '', calls: [] } as StepRecord;

describe('a wait step over several resources', () => {
  it('stops the other waits when one fails, and fails with that one’s error', async () => {
    const stoppedBy: string[] = [];
    const ex = fakeExecution(async (input, signal) => {
      if (input.DBInstanceIdentifier === 'a') {
        await new Promise((r) => setTimeout(r, 5));
        throw new Error('a reached a state the waiter treats as failure');
      }
      // b would wait for 40 minutes; it ends only when its signal says so.
      await new Promise<void>((_, reject) => signal.addEventListener('abort', () => {
        stoppedBy.push(String(input.DBInstanceIdentifier));
        reject(new Error('b was interrupted'));
      }));
    });
    await expect(runWaitStep(ex, step, ctx, rec)).rejects.toThrow('a reached a state the waiter treats as failure');
    expect(stoppedBy).toEqual(['b']);
  });

  it('passes Ctrl-C on to every wait', async () => {
    const run = new AbortController();
    const stopped: string[] = [];
    const ex = fakeExecution((input, signal) => new Promise<void>((_, reject) => signal.addEventListener('abort', () => {
      stopped.push(String(input.DBInstanceIdentifier));
      reject(new Error('interrupted'));
    })), run.signal);
    const waiting = runWaitStep(ex, step, ctx, rec);
    run.abort();
    await expect(waiting).rejects.toThrow('interrupted');
    expect(stopped.sort()).toEqual(['a', 'b']);
  });

  it('succeeds when every wait does', async () => {
    const seen: string[] = [];
    const ex = fakeExecution(async (input) => {
      seen.push(String(input.DBInstanceIdentifier));
    });
    await runWaitStep(ex, step, ctx, rec);
    expect(seen.sort()).toEqual(['a', 'b']);
  });
});
