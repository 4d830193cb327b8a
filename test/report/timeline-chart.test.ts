/** The probe timeline chart draws the windows it is given, where the time scale puts them, and an open one as open. */
import { describe, expect, it } from 'vitest';
import { timelineChart } from '../../src/report/timeline-chart.js';

const ops = [
  { t: 0, op: 'write' as const, ok: true, instanceId: 'a', latencyMs: 2 },
  { t: 100, op: 'write' as const, ok: false, error: 'CONNECTION_LOST', latencyMs: 1 },
  { t: 200, op: 'write' as const, ok: true, instanceId: 'b', latencyMs: 3 },
  { t: 300, op: 'read' as const, ok: false, uncertain: true, latencyMs: 5 },
];

describe('the probe timeline chart', () => {
  it('shades a closed window from acknowledgement to acknowledgement on the chart scale, with its figures', () => {
    const svg = timelineChart({ id: 't', ops, windows: [{ lane: 'write', from: 2, to: 203, durationMs: 201, failures: 1 }], markers: [{ t: 150, label: 'FailoverDBCluster called', kind: 'call' }], instances: ['a', 'b'], domain: [0, 1000] });
    const rect = /<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*class="outage"[^>]*data-from-ms="2" data-to-ms="203" data-duration-ms="201"/.exec(svg);
    expect(rect).not.toBeNull();
    // plot from 170 to 940 px for 0..1000 ms
    expect(Number(rect![1])).toBeCloseTo(170 + 2 * 0.77, 1);
    expect(Number(rect![2])).toBeCloseTo(201 * 0.77, 1);
    expect(svg).toContain('data-marker="call"');
    expect(svg).toContain('answered by b');
    expect((svg.match(/data-ok="false"/g) ?? []).length).toBe(2);
  });

  it('draws a window still open at stop without a duration, and says so in the legend', () => {
    const svg = timelineChart({ id: 't', ops, windows: [{ lane: 'read', from: 0, to: 400, durationMs: 400, open: true }], markers: [], instances: ['a'], domain: [0, 400] });
    expect(svg).toMatch(/class="outage-open"[^>]*data-open="true"/);
    expect(svg).not.toMatch(/class="outage-open"[^>]*data-duration-ms/);
    expect(svg).toContain('outage still open at stop');
  });
});
