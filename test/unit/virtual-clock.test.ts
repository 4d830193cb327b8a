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
