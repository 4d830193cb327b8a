/** Horizontal bars: one figure per category (replica lag per reader, rows on each side of a migration). */
import { xAxis, type Plot } from './axes.js';
import { formatNumber } from './format.js';
import { linearScale, niceMax } from './scale.js';
import { el, svgRoot, text, title } from './svg.js';

export interface BarChartInput {
  id: string;
  bars: { label: string; value: number; note?: string }[];
  /** The value axis title with its unit: "replica lag (ms)". */
  xLabel: string;
}

const WIDTH = 960;

export function barChart(input: BarChartInput): string {
  const rowHeight = 30;
  // Room for the longest label on the left and the longest value on the right (about 6.5 px a character).
  const valueText = (b: BarChartInput['bars'][number]) => `${formatNumber(b.value, 3)}${b.note ? ` ${b.note}` : ''}`;
  const left = Math.min(420, Math.max(200, 16 + Math.max(0, ...input.bars.map((b) => b.label.length)) * 6.5));
  const right = WIDTH - Math.min(300, Math.max(90, 12 + Math.max(0, ...input.bars.map((b) => valueText(b).length)) * 6.5));
  const plot: Plot = { left, right, top: 14, bottom: 14 + input.bars.length * rowHeight };
  const x = linearScale([0, niceMax(Math.max(0, ...input.bars.map((b) => b.value)))], [plot.left, plot.right]);
  const parts: string[] = [xAxis(x, plot, input.xLabel, (v) => formatNumber(v, 2), 6)];
  input.bars.forEach((b, i) => {
    const y0 = plot.top + i * rowHeight + 5;
    parts.push(text(plot.left - 8, y0 + 14, b.label, { class: 'lane-label', 'text-anchor': 'end' }));
    parts.push(el('rect', { x: plot.left, y: y0, width: Math.max(1, x(b.value) - plot.left), height: rowHeight - 10, class: `bar s${i % 6}`, 'data-label': b.label, 'data-value': b.value }, title(`${b.label}: ${formatNumber(b.value, 3)}${b.note ? ` (${b.note})` : ''}`)));
    parts.push(text(x(b.value) + 6, y0 + 14, valueText(b), { class: 'bar-value' }));
  });
  return svgRoot(WIDTH, plot.bottom + 44, { 'data-chart': input.id, 'aria-label': input.xLabel }, parts);
}
