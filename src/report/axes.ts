/** Axes for the charts: ticks, grid lines, tick labels and the axis title with its unit. */
import type { Scale } from './scale.js';
import { niceTicks } from './scale.js';
import { el, text } from './svg.js';

export interface Plot {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export function xAxis(x: Scale, plot: Plot, label: string, format: (v: number) => string, count = 8): string {
  const ticks = niceTicks(x.domain[0], x.domain[1], count);
  const parts = [el('line', { x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom, class: 'axis' })];
  for (const t of ticks) {
    const px = x(t);
    parts.push(el('line', { x1: px, x2: px, y1: plot.top, y2: plot.bottom, class: 'grid' }));
    parts.push(text(px, plot.bottom + 16, format(t), { class: 'tick', 'text-anchor': 'middle' }));
  }
  parts.push(text((plot.left + plot.right) / 2, plot.bottom + 34, label, { class: 'axis-title', 'text-anchor': 'middle' }));
  return el('g', { class: 'x-axis' }, parts);
}

export function yAxis(y: Scale, plot: Plot, label: string, format: (v: number) => string, count = 5): string {
  const ticks = niceTicks(y.domain[0], y.domain[1], count);
  const parts = [el('line', { x1: plot.left, x2: plot.left, y1: plot.top, y2: plot.bottom, class: 'axis' })];
  for (const t of ticks) {
    const py = y(t);
    parts.push(el('line', { x1: plot.left, x2: plot.right, y1: py, y2: py, class: 'grid' }));
    parts.push(text(plot.left - 6, py + 4, format(t), { class: 'tick', 'text-anchor': 'end' }));
  }
  const cy = (plot.top + plot.bottom) / 2;
  parts.push(text(14, cy, label, { class: 'axis-title', 'text-anchor': 'middle', transform: `rotate(-90 14 ${cy})` }));
  return el('g', { class: 'y-axis' }, parts);
}

/** Seconds on a time axis: "0 s", "2.5 s", "1:30". */
export function secondsLabel(ms: number): string {
  const s = ms / 1000;
  if (Math.abs(s) >= 120) return `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`;
  return `${Math.round(s * 100) / 100} s`;
}
