import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';

describe('the virtual clock', () => {
  it('wakes sleepers in time order and stands at each one’s time when it wakes', async () => {
    const clock = new VirtualClock(1000);
    const woke: [string, number][] = [];
    await Promise.all([
      clock.sleep(30_000).then(() => woke.push(['a', clock.now()])),
      clock.sleep(10_000).then(() => woke.push(['b', clock.now()])),
      clock.sleep(20_000).then(() => woke.push(['c', clock.now()])),
    ]);
    expect(woke).toEqual([
      ['b', 11_000],
      ['c', 21_000],
      ['a', 31_000],
    ]);
  });

  it('interleaves two polling loops as the real clock would', async () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    const loop = async (name: string, every: number, times: number) => {
      for (let i = 0; i < times; i++) {
        await clock.sleep(every);
        seen.push(`${name}@${clock.now()}`);
      }
    };
    await Promise.all([loop('fast', 10, 3), loop('slow', 25, 1)]);
    expect(seen).toEqual(['fast@10', 'fast@20', 'slow@25', 'fast@30']);
  });

  it('does not move while work registered with during is running', async () => {
    const clock = new VirtualClock(0);
    let atEnd = -1;
    const work = clock.during(async () => {
      await new Promise((r) => setTimeout(r, 20));
      atEnd = clock.now();
    });
    const sleeper = clock.sleep(5000);
    await work;
    await sleeper;
    expect(atEnd).toBe(0);
    expect(clock.now()).toBe(5000);
  });

  it('ends a sleep at once when its signal aborts, without moving the clock', async () => {
    const clock = new VirtualClock(0);
    const ac = new AbortController();
    const long = clock.sleep(3_600_000, ac.signal);
    ac.abort();
    await long;
    expect(clock.now()).toBe(0);
  });
});

describe('the flowing virtual clock (the instant dry run’s)', () => {
  it('skips a sleep nothing else runs during, so a long sleep ends at once at its time', async () => {
    const clock = new VirtualClock(Date.now(), { flowing: true });
    const before = clock.now();
    // Waited for real, the hour would outlast the test's timeout.
    await clock.sleep(3_600_000);
    expect(clock.now()).toBeGreaterThanOrEqual(before + 3_600_000);
  });

  it('lets real time pass between sleeps', async () => {
    const clock = new VirtualClock(0, { flowing: true });
    const start = clock.now();
    await new Promise((r) => setTimeout(r, 30));
    expect(clock.now() - start).toBeGreaterThanOrEqual(20);
  });

  it('wakes parallel sleepers in time order, each at its own time or later', async () => {
    const clock = new VirtualClock(0, { flowing: true });
    const woke: [string, number][] = [];
    await Promise.all([
      clock.sleep(30_000).then(() => woke.push(['a', clock.now()])),
      clock.sleep(10_000).then(() => woke.push(['b', clock.now()])),
    ]);
    expect(woke.map(([n]) => n)).toEqual(['b', 'a']);
    expect(woke[0]![1]).toBeGreaterThanOrEqual(10_000);
    expect(woke[0]![1]).toBeLessThan(30_000);
    expect(woke[1]![1]).toBeGreaterThanOrEqual(30_000);
  });
});
