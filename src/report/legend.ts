/** A chart's legend: a row of swatches with labels, drawn inside the SVG so screenshots keep it. */
import { el, text } from './svg.js';

export interface LegendItem {
  label: string;
  /** CSS class of the swatch (s0..s5, fail, unknown, outage, marker ...). */
  swatch: string;
  shape?: 'dot' | 'box' | 'line' | 'cross';
}

export function legend(items: LegendItem[], x: number, y: number, maxWidth: number): string {
  const parts: string[] = [];
  let cx = x;
  let cy = y;
  for (const item of items) {
    const w = 22 + item.label.length * 6.6;
    if (cx + w > x + maxWidth && cx > x) {
      cx = x;
      cy += 18;
    }
    parts.push(swatch(item, cx, cy));
    parts.push(text(cx + 16, cy + 4, item.label, { class: 'legend-label' }));
    cx += w + 10;
  }
  return el('g', { class: 'legend' }, parts);
}

/** How many rows the legend needs (so the plot can start below it). */
export function legendRows(items: LegendItem[], maxWidth: number): number {
  let rows = 1;
  let used = 0;
  for (const item of items) {
    const w = 22 + item.label.length * 6.6 + 10;
    if (used + w > maxWidth && used > 0) {
      rows++;
      used = 0;
    }
    used += w;
  }
  return items.length === 0 ? 0 : rows;
}

function swatch(item: LegendItem, x: number, y: number): string {
  switch (item.shape ?? 'dot') {
    case 'box':
      return el('rect', { x, y: y - 5, width: 12, height: 10, class: item.swatch });
    case 'line':
      return el('line', { x1: x, x2: x + 12, y1: y, y2: y, class: item.swatch });
    case 'cross':
      return cross(x + 6, y, 4, item.swatch);
    default:
      return el('circle', { cx: x + 6, cy: y, r: 4, class: item.swatch });
  }
}

export function cross(cx: number, cy: number, r: number, cls: string): string {
  return el('path', { d: `M${cx - r} ${cy - r}L${cx + r} ${cy + r}M${cx - r} ${cy + r}L${cx + r} ${cy - r}`, class: cls });
}
