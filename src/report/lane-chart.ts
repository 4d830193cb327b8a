/**
 * Moments and periods on one time axis, one lane per kind of thing: a restorable window as a bar,
 * batch commits as points, a step as a bar, the chosen moment as a vertical marker. Each mark keeps
 * its time as a data attribute, so a test can hold the drawing to the record.
 */
import { xAxis, type Plot } from './axes.js';
import { formatNumber } from './format.js';
import { legend, legendRows, type LegendItem } from './legend.js';
import { linearScale } from './scale.js';
import { el, svgRoot, text, title } from './svg.js';
import { markerLabels } from './timeline-chart.js';

export interface LaneSegment {
  from: number;
  to: number;
  /** CSS class of the bar (s0..s5, state-ok, state-alarm ...). */
  cls: string;
  tip: string;
  /** Printed inside the bar when it is wide enough. */
  label?: string;
  data?: Record<string, string | number>;
}

export interface LanePoint {
  t: number;
  cls: string;
  tip: string;
  label?: string;
  data?: Record<string, string | number>;
}

export interface Lane {
  label: string;
  segments?: LaneSegment[];
  points?: LanePoint[];
}

export interface LaneChartInput {
  id: string;
  lanes: Lane[];
  markers: { t: number; label: string; kind: string }[];
  /** The time range shown, in ms on the chart's own origin. */
  domain: [number, number];
  xLabel: string;
  legend?: LegendItem[];
  /** Tick labels (default: signed seconds, or ms when the range is under 2 s). */
  format?: (ms: number) => string;
  /**
   * A lane with more points than this in view draws each run of consecutive points of one class as a
   * bar from its first to its last (a probe writing every 20 ms for minutes is thousands of dots).
   */
  runsAbove?: number;
}

const WIDTH = 960;
const centre = (pxs: number[]) => (Math.min(...pxs) + Math.max(...pxs)) / 2;

/** Signed time from the origin, as ms for a range under 2 s and as seconds (or min:s) above. */
export function signedTime(span: number): (ms: number) => string {
  return (ms: number) => {
    const sign = ms < 0 ? '−' : ms > 0 ? '+' : '';
    const a = Math.abs(ms);
    if (span < 2000) return `${sign}${formatNumber(a, 0)} ms`;
    if (a < 120_000) return `${sign}${formatNumber(a / 1000, 1)} s`;
    const min = Math.floor(a / 60_000);
    return `${sign}${min}:${String(Math.round((a - min * 60_000) / 1000)).padStart(2, '0')}`;
  };
}

export function laneChart(input: LaneChartInput): string {
  const items = input.legend ?? [];
  const top = (items.length ? 12 + legendRows(items, WIDTH - 40) * 18 : 0) + 44;
  const laneHeight = 34;
  const plot: Plot = { left: 230, right: WIDTH - 24, top, bottom: top + input.lanes.length * laneHeight };
  const x = linearScale(input.domain, [plot.left, plot.right]);
  const inDomain = (t: number) => t >= input.domain[0] && t <= input.domain[1];
  const clampX = (t: number) => Math.min(plot.right, Math.max(plot.left, x(t)));
  const format = input.format ?? signedTime(input.domain[1] - input.domain[0]);
  const parts: string[] = [];
  if (items.length) parts.push(legend(items, 20, 16, WIDTH - 40));
  parts.push(xAxis(x, plot, input.xLabel, format, 8));
  input.lanes.forEach((lane, i) => {
    const y0 = plot.top + i * laneHeight;
    const cy = y0 + laneHeight / 2;
    parts.push(el('line', { x1: plot.left, x2: plot.right, y1: cy, y2: cy, class: 'lane' }));
    parts.push(text(plot.left - 8, cy + 4, lane.label, { class: 'lane-label small', 'text-anchor': 'end' }));
    for (const s of lane.segments ?? []) {
      if (s.to < input.domain[0] || s.from > input.domain[1]) continue;
      const x0 = clampX(s.from);
      const x1 = clampX(s.to);
      const attrs: Record<string, string | number> = { x: x0, y: y0 + 7, width: Math.max(2, x1 - x0), height: laneHeight - 14, class: `seg ${s.cls}`, 'data-from-ms': s.from, 'data-to-ms': s.to };
      for (const [k, v] of Object.entries(s.data ?? {})) attrs[`data-${k}`] = v;
      parts.push(el('rect', attrs, title(s.tip)));
      if (s.label && x1 - x0 > s.label.length * 6.4 + 8) parts.push(text((x0 + x1) / 2, cy + 4, s.label, { class: 'seg-label', 'text-anchor': 'middle' }));
    }
    const inView = (lane.points ?? []).filter((p) => inDomain(p.t)).sort((a, b) => a.t - b.t);
    if (input.runsAbove !== undefined && inView.length > input.runsAbove) {
      for (const run of runsOf(inView)) {
        const x0 = x(run[0]!.t);
        const x1 = x(run.at(-1)!.t);
        parts.push(el('rect', { x: x0 - 2, y: cy - 5, width: Math.max(4, x1 - x0 + 4), height: 10, rx: 3, class: `run ${run[0]!.cls}`, 'data-count': run.length, 'data-from-ms': run[0]!.t, 'data-to-ms': run.at(-1)!.t }, title(`${run.length} × ${run[0]!.tip}${run.length > 1 ? ` … (to ${format(run.at(-1)!.t)})` : ''}`)));
      }
      return;
    }
    // Labels whose text would overlap are merged into one ("batch 1, batch 2"), centred on their points.
    const groups: { pxs: number[]; labels: string[] }[] = [];
    for (const p of inView) {
      const px = x(p.t);
      const attrs: Record<string, string | number> = { cx: px, cy, r: 5, class: `point ${p.cls}`, 'data-t-ms': p.t };
      for (const [k, v] of Object.entries(p.data ?? {})) attrs[`data-${k}`] = v;
      parts.push(el('circle', attrs, title(p.tip)));
      if (!p.label) continue;
      const last = groups.at(-1);
      const lastEnd = last ? centre(last.pxs) + (last.labels.join(', ').length * 6.2) / 2 : -Infinity;
      if (last && px - (p.label.length * 6.2) / 2 < lastEnd + 6) {
        last.pxs.push(px);
        last.labels.push(p.label);
      } else groups.push({ pxs: [px], labels: [p.label] });
    }
    for (const g of groups) parts.push(text(centre(g.pxs), y0 + 5, g.labels.join(', '), { class: 'point-label', 'text-anchor': 'middle' }));
  });
  for (const m of input.markers) {
    if (!inDomain(m.t)) continue;
    parts.push(el('line', { x1: x(m.t), x2: x(m.t), y1: plot.top - 4, y2: plot.bottom, class: `marker ${m.kind}`, 'data-marker': m.kind, 'data-t-ms': m.t }, title(`${m.label} at ${format(m.t)}`)));
  }
  parts.push(markerLabels(input.markers.filter((m) => inDomain(m.t)).map((m) => ({ px: x(m.t), label: m.label, kind: m.kind })), plot.top - 8, [0, WIDTH]));
  return svgRoot(WIDTH, plot.bottom + 44, { 'data-chart': input.id, 'data-t0-ms': input.domain[0], 'data-t1-ms': input.domain[1], 'aria-label': input.xLabel }, parts);
}

/** Consecutive points of the same class, in time order. */
function runsOf(points: LanePoint[]): LanePoint[][] {
  const runs: LanePoint[][] = [];
  for (const p of points) {
    const last = runs.at(-1);
    if (last && last[0]!.cls === p.cls) last.push(p);
    else runs.push([p]);
  }
  return runs;
}
