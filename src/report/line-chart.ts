/**
 * A time series chart: one line per series on a time axis (ms since an origin), with shaded bands
 * (a load period) and vertical markers (a pause). A highlighted series is drawn thicker and on top.
 */
import { secondsLabel, xAxis, yAxis, type Plot } from './axes.js';
import { formatNumber } from './format.js';
import { legend, legendRows, type LegendItem } from './legend.js';
import { linearScale, niceMax } from './scale.js';
import { el, svgRoot, title } from './svg.js';
import { markerLabels } from './timeline-chart.js';

export interface LineSeries {
  name: string;
  points: { t: number; v: number }[];
  highlight?: boolean;
  /** Draw as steps (the value holds until the next point), as capacity does. */
  step?: boolean;
}

export interface LineChartInput {
  id: string;
  series: LineSeries[];
  yLabel: string;
  xLabel?: string;
  bands?: { from: number; to: number; label: string }[];
  markers?: { t: number; label: string; kind: string }[];
  /** The time range, ms since the origin (default: the data's). */
  domain?: [number, number];
  yMax?: number;
}

const WIDTH = 960;

export function lineChart(input: LineChartInput): string {
  const all = input.series.flatMap((s) => s.points);
  const times = [...all.map((p) => p.t), ...(input.bands ?? []).flatMap((b) => [b.from, b.to]), ...(input.markers ?? []).map((m) => m.t)];
  const domain: [number, number] = input.domain ?? [Math.min(0, ...times), Math.max(1, ...times)];
  const items: LegendItem[] = [
    ...input.series.map((s, i) => ({ label: s.highlight ? `${s.name} (top)` : s.name, swatch: `s${i % 6}`, shape: 'line' as const })),
    ...(input.bands ?? []).slice(0, 1).map((b) => ({ label: b.label, swatch: 'band', shape: 'box' as const })),
  ];
  const top = 12 + legendRows(items, WIDTH - 40) * 18 + 44;
  const plot: Plot = { left: 70, right: WIDTH - 20, top, bottom: top + 220 };
  const x = linearScale(domain, [plot.left, plot.right]);
  const y = linearScale([0, input.yMax ?? niceMax(Math.max(0, ...all.map((p) => p.v)))], [plot.bottom, plot.top]);
  const parts: string[] = [legend(items, 20, 16, WIDTH - 40)];
  for (const b of input.bands ?? []) {
    const bx0 = Math.max(plot.left, x(b.from));
    const bx1 = Math.min(plot.right, x(b.to));
    if (bx1 <= bx0) continue;
    parts.push(el('rect', { x: bx0, y: plot.top, width: Math.max(1, bx1 - bx0), height: plot.bottom - plot.top, class: 'band', 'data-from-ms': b.from, 'data-to-ms': b.to }, title(`${b.label}: ${secondsLabel(b.from)} to ${secondsLabel(b.to)}`)));
  }
  parts.push(xAxis(x, plot, input.xLabel ?? 'time since the run started (s)', secondsLabel));
  parts.push(yAxis(y, plot, input.yLabel, (v) => formatNumber(v, 2)));
  const order = input.series.map((s, i) => ({ s, i })).sort((a, b) => Number(a.s.highlight ?? false) - Number(b.s.highlight ?? false));
  for (const { s, i } of order) {
    const pts = [...s.points].sort((a, b) => a.t - b.t);
    if (pts.length === 0) continue;
    const path: string[] = [];
    pts.forEach((p, k) => {
      if (k === 0) path.push(`M${x(p.t).toFixed(1)} ${y(p.v).toFixed(1)}`);
      else {
        if (s.step) path.push(`H${x(p.t).toFixed(1)}`);
        path.push(`${s.step ? 'V' : 'L'}${s.step ? y(p.v).toFixed(1) : `${x(p.t).toFixed(1)} ${y(p.v).toFixed(1)}`}`);
      }
    });
    parts.push(el('path', { d: path.join(''), class: `series s${i % 6}${s.highlight ? ' highlight' : ''}`, 'data-series': s.name, 'data-points': pts.length }, title(s.name)));
    if (pts.length <= 120) for (const p of pts) parts.push(el('circle', { cx: x(p.t), cy: y(p.v), r: s.highlight ? 3 : 2.2, class: `s${i % 6}` }, title(`${s.name}: ${formatNumber(p.v, 3)} at ${secondsLabel(p.t)}`)));
  }
  for (const m of input.markers ?? []) {
    parts.push(el('line', { x1: x(m.t), x2: x(m.t), y1: plot.top - 4, y2: plot.bottom, class: `marker ${m.kind}`, 'data-marker': m.kind, 'data-t-ms': m.t }, title(`${m.label} at ${secondsLabel(m.t)}`)));
  }
  parts.push(markerLabels((input.markers ?? []).map((m) => ({ px: x(m.t), label: m.label, kind: m.kind })), plot.top - 8, [0, WIDTH]));
  return svgRoot(WIDTH, plot.bottom + 44, { 'data-chart': input.id, 'aria-label': input.yLabel }, parts);
}
