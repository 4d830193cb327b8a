/**
 * The lane chart puts each point and bar at its recorded time, and a lane with more points in view
 * than it can draw one by one shows each run of one class as a bar that counts its points.
 */
import { describe, expect, it } from 'vitest';
import { laneChart, signedTime } from '../../src/report/lane-chart.js';

const lanePoints = (n: number, cls: (i: number) => string) => Array.from({ length: n }, (_, i) => ({ t: i * 20, cls: cls(i), tip: `write ${i}` }));

describe('the lane chart', () => {
  it('draws every point in view at its time, and none outside the range shown', () => {
    const svg = laneChart({ id: 'x', lanes: [{ label: 'writes', points: lanePoints(10, () => 'kept') }], markers: [], domain: [0, 100], xLabel: 't' });
    expect([...svg.matchAll(/data-t-ms="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([0, 20, 40, 60, 80, 100]);
  });

  it('draws runs of one class as bars counting their points once a lane has more than runsAbove in view', () => {
    // 1000 writes: 400 acknowledged, 100 refused, 500 acknowledged.
    const points = lanePoints(1000, (i) => (i >= 400 && i < 500 ? 'refused' : 'kept'));
    const svg = laneChart({ id: 'x', lanes: [{ label: 'writes', points }], markers: [], domain: [0, 20_000], xLabel: 't', runsAbove: 800 });
    expect(svg).not.toContain('<circle');
    const runs = [...svg.matchAll(/class="run (\w+)" data-count="(\d+)" data-from-ms="(\d+)" data-to-ms="(\d+)"/g)].map((m) => [m[1], Number(m[2]), Number(m[3]), Number(m[4])]);
    expect(runs).toEqual([['kept', 400, 0, 7980], ['refused', 100, 8000, 9980], ['kept', 500, 10_000, 19_980]]);
  });

  it('labels time from the origin with its sign, in ms under 2 s and as minutes past two', () => {
    expect(signedTime(1000)(-21)).toBe('−21 ms');
    expect(signedTime(1000)(0)).toBe('0 ms');
    expect(signedTime(60_000)(1500)).toBe('+1.5 s');
    expect(signedTime(600_000)(-130_000)).toBe('−2:10');
  });
});
