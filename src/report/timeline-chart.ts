/**
 * The failover probe's timeline: every write and read on a time axis, coloured by the instance that
 * answered, failures marked, the outage windows shaded (each rect carries its figures as data
 * attributes, so a test can hold the drawing to the measurement), and events such as the
 * FailoverDBCluster call drawn as vertical markers.
 */
import { secondsLabel, xAxis, type Plot } from './axes.js';
import { formatDuration } from './format.js';
import { cross, legend, legendRows, type LegendItem } from './legend.js';
import { linearScale } from './scale.js';
import { el, svgRoot, text, title } from './svg.js';

export interface TimelineOp {
  t: number;
  op: 'write' | 'read';
  ok: boolean;
  uncertain?: boolean;
  instanceId?: string;
  error?: string;
  latencyMs: number;
}

export interface TimelineWindow {
  lane: 'write' | 'read';
  from: number;
  to: number;
  durationMs: number;
  failures?: number;
  /** Still open when the probe stopped: drawn to the end, labelled open, never given a length. */
  open?: boolean;
}

export interface TimelineMarker {
  t: number;
  label: string;
  kind: string;
}

export interface TimelineInput {
  id: string;
  ops: TimelineOp[];
  windows: TimelineWindow[];
  markers: TimelineMarker[];
  /** Instances in the order they first answered (their colours). */
  instances: string[];
  /** The time range shown, ms since the probe started. */
  domain: [number, number];
  laneLabels?: { write: string; read: string };
}

const WIDTH = 960;

export function timelineChart(input: TimelineInput): string {
  const colour = (id: string | undefined) => `s${Math.max(0, input.instances.indexOf(id ?? '')) % 6}`;
  const items: LegendItem[] = [
    ...input.instances.map((id) => ({ label: `answered by ${id}`, swatch: colour(id) })),
    { label: 'failed', swatch: 'fail', shape: 'cross' as const },
    { label: 'sent, no answer (unknown)', swatch: 'unknown', shape: 'cross' as const },
    { label: 'outage window', swatch: 'outage', shape: 'box' as const },
    ...(input.windows.some((w) => w.open) ? [{ label: 'outage still open at stop', swatch: 'outage-open', shape: 'box' as const }] : []),
  ];
  const top = 12 + legendRows(items, WIDTH - 40) * 18 + 44;
  const lanes: Array<'write' | 'read'> = input.ops.some((o) => o.op === 'read') ? ['write', 'read'] : ['write'];
  const laneHeight = 56;
  const plot: Plot = { left: 170, right: WIDTH - 20, top, bottom: top + lanes.length * laneHeight };
  const x = linearScale(input.domain, [plot.left, plot.right]);
  const clampX = (t: number) => Math.min(plot.right, Math.max(plot.left, x(t)));
  const inDomain = (t: number) => t >= input.domain[0] && t <= input.domain[1];
  const laneY = (lane: 'write' | 'read') => plot.top + lanes.indexOf(lane) * laneHeight + laneHeight / 2;
  const labels = input.laneLabels ?? { write: 'writes (cluster endpoint)', read: 'reads (reader endpoint)' };

  const parts: string[] = [legend(items, 20, 16, WIDTH - 40)];
  parts.push(xAxis(x, plot, 'time since the probe started (s)', secondsLabel));
  for (const lane of lanes) {
    const cy = laneY(lane);
    parts.push(el('line', { x1: plot.left, x2: plot.right, y1: cy, y2: cy, class: 'lane' }));
    parts.push(text(plot.left - 8, cy + 4, labels[lane], { class: 'lane-label', 'text-anchor': 'end' }));
  }
  for (const w of input.windows) {
    if (!lanes.includes(w.lane) || w.to < input.domain[0] || w.from > input.domain[1]) continue;
    const x0 = clampX(w.from);
    const x1 = clampX(w.to);
    const cy = laneY(w.lane);
    parts.push(
      el(
        'rect',
        {
          x: x0,
          y: cy - laneHeight / 2 + 3,
          width: Math.max(1, x1 - x0),
          height: laneHeight - 6,
          class: w.open ? 'outage-open' : 'outage',
          'data-lane': w.lane,
          'data-from-ms': w.from,
          'data-to-ms': w.to,
          'data-duration-ms': w.open ? undefined : w.durationMs,
          'data-open': w.open ? 'true' : undefined,
          'data-failures': w.failures,
        },
        title(w.open ? `${w.lane}s failing since ${secondsLabel(w.from)}, still failing when the probe stopped` : `${w.lane} outage: ${formatDuration(w.durationMs)} (${w.failures ?? '?'} failed)`),
      ),
    );
    if (!w.open) parts.push(text((x0 + x1) / 2, cy - laneHeight / 2 + 14, formatDuration(w.durationMs), { class: 'window-label', 'text-anchor': 'middle' }));
  }
  for (const op of input.ops) {
    if (!lanes.includes(op.op) || !inDomain(op.t)) continue;
    const px = x(op.t);
    const cy = laneY(op.op) + (op.ok ? 0 : 12);
    const tip = `${op.op} at ${secondsLabel(op.t)}: ${op.ok ? `ok, ${op.instanceId ?? '?'} in ${formatDuration(op.latencyMs)}` : op.uncertain ? 'no answer (may or may not have happened)' : `failed (${op.error ?? 'error'})`}`;
    if (op.ok) parts.push(el('circle', { cx: px, cy, r: 3.2, class: colour(op.instanceId), 'data-op': op.op, 'data-ok': 'true' }, title(tip)));
    else parts.push(el('g', { 'data-op': op.op, 'data-ok': 'false' }, [cross(px, cy, 4, op.uncertain ? 'unknown' : 'fail'), title(tip)]));
  }
  for (const m of input.markers) {
    if (!inDomain(m.t)) continue;
    const px = x(m.t);
    parts.push(el('line', { x1: px, x2: px, y1: plot.top - 4, y2: plot.bottom, class: `marker ${m.kind}`, 'data-marker': m.kind, 'data-t-ms': m.t }, title(`${m.label} at ${secondsLabel(m.t)}`)));
  }
  parts.push(markerLabels(input.markers.filter((m) => inDomain(m.t)).map((m) => ({ px: x(m.t), label: m.label, kind: m.kind })), plot.top - 8, [0, WIDTH]));
  return svgRoot(WIDTH, plot.bottom + 44, { 'data-chart': input.id, 'data-t0-ms': input.domain[0], 'data-t1-ms': input.domain[1], 'data-plot-left': plot.left, 'data-plot-right': plot.right, 'aria-label': 'probe timeline' }, parts);
}

/** Marker labels above the plot, nudged apart so close markers stay readable. */
export function markerLabels(markers: { px: number; label: string; kind: string }[], y: number, bounds: [number, number] = [0, 960]): string {
  const sorted = [...markers].sort((a, b) => a.px - b.px);
  const parts: string[] = [];
  let lastEnd = -Infinity;
  let row = 0;
  for (const m of sorted) {
    const w = m.label.length * 6.2;
    // Near an edge the label hangs inwards from its marker instead of being cut off.
    const anchor = m.px + w / 2 > bounds[1] ? 'end' : m.px - w / 2 < bounds[0] ? 'start' : 'middle';
    const from = anchor === 'end' ? m.px - w : anchor === 'start' ? m.px : m.px - w / 2;
    row = from < lastEnd + 6 ? row + 1 : 0;
    parts.push(text(m.px, y - row * 13, m.label, { class: `marker-label ${m.kind}`, 'text-anchor': anchor }));
    lastEnd = from + w;
  }
  return el('g', { class: 'marker-labels' }, parts);
}
