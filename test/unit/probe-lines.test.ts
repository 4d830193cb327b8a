/**
 * The probe in a terminal: the summary's one-line timeline, and the live line that a TTY shows under
 * the step's spinner while the probe runs (and that a pipe never sees).
 */
import { Chalk } from 'chalk';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { HumanReporter } from '../../src/output/human-reporter.js';
import { probeStripLine, stripBuckets } from '../../src/output/probe-lines.js';
import type { ProbeTimelineData } from '../../src/sql/probe-progress.js';
import { ProbeTally } from '../../src/sql/probe-progress.js';

const plain = new Chalk({ level: 0 });

const failover: ProbeTimelineData = {
  probe: 'failover',
  durationMs: 14_000,
  firstAckAt: 50,
  writeWindows: [{ from: 10_000, to: 10_550 }],
  writerChanges: [{ at: 10_550, from: 'al-x-0', to: 'al-x-1' }],
};

describe('the probe timeline in the summary', () => {
  it('draws 100 ms marks around the outage: ok before, failing during, the writer change where the new writer answered', () => {
    const line = probeStripLine(failover, plain);
    // 8.0 s to 12.55 s at 100 ms a mark: 20 ok, 5 failing, 1 partly (10.5-10.6), then ok to the end.
    const strip = line.split(' ')[2]!;
    expect(strip).toBe(`${'▁'.repeat(20)}${'█'.repeat(5)}┃▄${'▁'.repeat(20)}`);
    expect(line).toBe(`probe failover ${strip}  8.0-12.6 s, 100 ms a mark: ▁ writes ok, █ failing, ▄ partly, ┃ writer al-x-0 → al-x-1`);
  });

  it('grows the mark from 100 ms so that a long span still fits on one line', () => {
    const long: ProbeTimelineData = { ...failover, durationMs: 60_000, writeWindows: [{ from: 10_000, to: 40_000 }], writerChanges: [] };
    const b = stripBuckets(long, { maxMarks: 60 });
    expect(b.bucketMs).toBe(1000);
    expect(b.states.length).toBeLessThanOrEqual(60);
    expect(b.states.filter((s) => s === 'failed')).toHaveLength(30);
  });

  it('shows an outage still open at stop as failing up to the end, and says so', () => {
    const open: ProbeTimelineData = { probe: 'failover', durationMs: 5000, firstAckAt: 0, writeWindows: [], openFrom: 4000, writerChanges: [] };
    const b = stripBuckets(open);
    expect(b.states.slice(-10)).toEqual(Array(10).fill('failed'));
    expect(b.states[0]).toBe('ok');
    expect(probeStripLine(open, plain)).toMatch(/still failing at stop$/);
  });

  it('with no outage and no change, draws the whole probe as steady', () => {
    const steady = stripBuckets({ probe: 'p', durationMs: 3000, firstAckAt: 0, writeWindows: [], writerChanges: [] });
    expect(new Set(steady.states)).toEqual(new Set(['ok']));
    expect(steady.changes).toEqual([]);
  });
});

/** Enough of a TTY WriteStream for ora: it records every byte written. */
class FakeTty extends Writable {
  isTTY = true;
  columns = 120;
  out = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.out += chunk.toString();
    cb();
  }
  // Cursor movements are recorded as marks, so a test can see a line being redrawn in place.
  cursorTo() {
    this.out += '<col0>';
    return true;
  }
  moveCursor(_dx: number, dy: number) {
    if (dy < 0) this.out += '<up>';
    return true;
  }
  clearLine() {
    this.out += '<clr>';
    return true;
  }
}

function reporterOn(stream: FakeTty, spinners: boolean) {
  return new HumanReporter({ json: false, color: false, debug: false, spinners }, stream as unknown as NodeJS.WriteStream);
}

function feed(r: HumanReporter) {
  const tally = new ProbeTally();
  const events = [
    { t: 0, op: 'write' as const, ok: true, instanceId: 'al-x-0', latencyMs: 2 },
    { t: 100, op: 'write' as const, ok: true, instanceId: 'al-x-0', latencyMs: 2 },
    { t: 200, op: 'write' as const, ok: false, error: '57P01', latencyMs: 1 },
    { t: 300, op: 'write' as const, ok: false, error: 'ECONNREFUSED', latencyMs: 1 },
  ];
  for (const e of events) r.emit({ code: 'probe.progress', level: 'debug', message: 'probe failover', data: { probe: 'failover', ...tally.add(e)! } });
  return tally;
}

describe('the live probe line', () => {
  it('on a TTY, updates one line under the spinner with writes ok and failed, the writer and the outage so far', async () => {
    const tty = new FakeTty();
    const r = reporterOn(tty, true);
    await r.init();
    r.emit({ code: 'step.start', level: 'info', message: 'Let the probe record a steady baseline', data: { index: 1, total: 2 } });
    const tally = feed(r);
    expect(tty.out).toContain('probe failover: 2 writes ok, 1 failed · writer al-x-0 · writes failing for 0.1 s');
    expect(tty.out).toContain('probe failover: 2 writes ok, 2 failed · writer al-x-0 · writes failing for 0.2 s');
    r.emit({ code: 'probe.progress', level: 'debug', message: 'p', data: { probe: 'failover', ...tally.add({ t: 400, op: 'write', ok: true, instanceId: 'al-x-1', latencyMs: 3 })! } });
    expect(tty.out).toContain('probe failover: 3 writes ok, 2 failed · writer al-x-1');
    // Each update first clears the two lines drawn before (spinner and probe line), then redraws them.
    const redraws = tty.out.split('<col0><clr><up><clr>').slice(1);
    expect(redraws.filter((d) => /^\S+ \[1\/2\] Let the probe record a steady baseline \n {4}probe failover: /.test(d)).length).toBeGreaterThanOrEqual(3);
    r.emit({ code: 'step.done', level: 'info', message: 'done', data: { id: 'x', durationMs: 5 } });
    // The line kept for the finished step carries no probe status.
    const persisted = tty.out.slice(tty.out.lastIndexOf('<clr>') + '<clr>'.length);
    expect(persisted).toMatch(/\[1\/2\] Let the probe record a steady baseline 5 ms\n$/);
    expect(persisted).not.toContain('probe failover:');
    r.emit({ code: 'probe.timeline', level: 'debug', message: 't', data: failover });
    expect(r.summaryLines()).toHaveLength(1);
    expect(r.summaryLines()[0]).toMatch(/^probe failover [▁█▄┃]+ /);
  });

  it('without a TTY (spinners off), prints nothing for the probe while it runs', () => {
    const pipe = new FakeTty();
    pipe.isTTY = false;
    const r = reporterOn(pipe, false);
    feed(r);
    expect(pipe.out).toBe('');
    r.emit({ code: 'probe.timeline', level: 'debug', message: 't', data: failover });
    expect(pipe.out).toBe('');
    expect(r.summaryLines()).toHaveLength(1);
  });
});
