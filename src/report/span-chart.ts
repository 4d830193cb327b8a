/**
 * A run as a timeline: each step that took time as a bar from its start to its end, with markers for
 * the moments a lab measures (a switchover called, the primary moved).
 */
import { secondsLabel, xAxis, type Plot } from './axes.js';
import { formatDuration } from './format.js';
import { linearScale } from './scale.js';
import { el, svgRoot, text, title } from './svg.js';
import { markerLabels } from './timeline-chart.js';

export interface Span {
  label: string;
  from: number;
  to: number;
  status: string;
}

export interface SpanChartInput {
  id: string;
  spans: Span[];
  markers: { t: number; label: string; kind: string }[];
  xLabel: string;
}

const WIDTH = 960;

export function spanChart(input: SpanChartInput): string {
  const rowHeight = 20;
  const top = 44;
  const plot: Plot = { left: 330, right: WIDTH - 20, top, bottom: top + input.spans.length * rowHeight };
  const times = [...input.spans.flatMap((s) => [s.from, s.to]), ...input.markers.map((m) => m.t)];
  const x = linearScale([Math.min(...times), Math.max(...times) || 1], [plot.left, plot.right]);
  const parts: string[] = [xAxis(x, plot, input.xLabel, secondsLabel, 8)];
  input.spans.forEach((s, i) => {
    const y0 = plot.top + i * rowHeight + 3;
    const label = s.label.length > 52 ? `${s.label.slice(0, 51)}…` : s.label;
    parts.push(text(plot.left - 8, y0 + 11, label, { class: 'lane-label small', 'text-anchor': 'end' }));
    parts.push(el('rect', { x: x(s.from), y: y0, width: Math.max(2, x(s.to) - x(s.from)), height: rowHeight - 6, class: `span ${s.status}` }, title(`${s.label}: ${formatDuration(s.to - s.from)} (${s.status})`)));
  });
  for (const m of input.markers) {
    parts.push(el('line', { x1: x(m.t), x2: x(m.t), y1: plot.top - 4, y2: plot.bottom, class: `marker ${m.kind}`, 'data-marker': m.kind, 'data-t-ms': m.t }, title(`${m.label} at ${secondsLabel(m.t)}`)));
  }
  parts.push(markerLabels(input.markers.map((m) => ({ px: x(m.t), label: m.label, kind: m.kind })), plot.top - 8, [0, WIDTH]));
  return svgRoot(WIDTH, plot.bottom + 44, { 'data-chart': input.id, 'aria-label': 'run timeline' }, parts);
}
