/**
 * A time series chart: one line per series on a time axis (ms since an origin), with shaded bands
 * (a load period) and vertical markers (a pause). A highlighted series is drawn thicker and on top.
 */
import { secondsLabel, xAxis, yAxis, type Plot } from './axes.js';
import { formatNumber } from './format.js';
import { legend, legendRows, type LegendItem } from './legend.js';
import { linearScale, niceMax } from './scale.js';
import { el, svgRoot, text, title } from './svg.js';
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
  /** Horizontal lines at fixed values: an alarm's threshold. */
  hlines?: { v: number; label: string }[];
  /** A strip under the plot on the same time axis: an alarm's state, period by period. */
  strip?: { label: string; segments: { from: number; to: number; cls: string; label: string }[] };
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
  const y = linearScale([0, input.yMax ?? niceMax(Math.max(0, ...all.map((p) => p.v), ...(input.hlines ?? []).map((h) => h.v * 1.15)))], [plot.bottom, plot.top]);
  const parts: string[] = [legend(items, 20, 16, WIDTH - 40)];
  for (const b of input.bands ?? []) {
    const bx0 = Math.max(plot.left, x(b.from));
    const bx1 = Math.min(plot.right, x(b.to));
    if (bx1 <= bx0) continue;
    parts.push(el('rect', { x: bx0, y: plot.top, width: Math.max(1, bx1 - bx0), height: plot.bottom - plot.top, class: 'band', 'data-from-ms': b.from, 'data-to-ms': b.to }, title(`${b.label}: ${secondsLabel(b.from)} to ${secondsLabel(b.to)}`)));
    // Each band says what it is when there is room: the legend names only the first.
    if ((input.bands ?? []).length > 1) parts.push(text(bx0 + 4, plot.top + 13, b.label, { class: 'band-label' }));
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
  for (const h of input.hlines ?? []) {
    parts.push(el('line', { x1: plot.left, x2: plot.right, y1: y(h.v), y2: y(h.v), class: 'threshold', 'data-threshold': h.v }, title(`${h.label}: ${formatNumber(h.v, 3)}`)));
    parts.push(text(plot.right - 4, y(h.v) - 5, h.label, { class: 'threshold-label', 'text-anchor': 'end' }));
  }
  parts.push(markerLabels((input.markers ?? []).map((m) => ({ px: x(m.t), label: m.label, kind: m.kind })), plot.top - 8, [0, WIDTH]));
  let bottom = plot.bottom + 44;
  if (input.strip) {
    // The strip sits below the x axis: the same scale, so a state change lines up with the data above it.
    const y0 = plot.bottom + 60;
    parts.push(text(plot.left, y0 - 4, input.strip.label, { class: 'axis-title' }));
    for (const s of input.strip.segments) {
      const x0 = Math.max(plot.left, x(s.from));
      const x1 = Math.min(plot.right, x(s.to));
      if (x1 <= x0) continue;
      parts.push(el('rect', { x: x0, y: y0, width: Math.max(1, x1 - x0), height: 22, class: `seg ${s.cls}`, 'data-state': s.label, 'data-from-ms': s.from, 'data-to-ms': s.to }, title(`${s.label}: ${secondsLabel(s.from)} to ${secondsLabel(s.to)}`)));
      if (x1 - x0 > s.label.length * 6.4 + 8) parts.push(text((x0 + x1) / 2, y0 + 15, s.label, { class: 'seg-label', 'text-anchor': 'middle' }));
    }
    bottom = y0 + 36;
  }
  return svgRoot(WIDTH, bottom, { 'data-chart': input.id, 'aria-label': input.yLabel }, parts);
}
