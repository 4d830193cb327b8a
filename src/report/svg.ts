/** Building SVG as text: one element helper, attributes escaped, numbers rounded to keep files small. */
import { escapeHtml } from './format.js';

export type Attrs = Record<string, string | number | boolean | undefined>;

function attrText(attrs: Attrs): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined && v !== false)
    // Data attributes keep full precision: they are the figures a reader (or a test) checks the drawing against.
    .map(([k, v]) => (v === true ? ` ${k}` : ` ${k}="${escapeHtml(typeof v === 'number' && !k.startsWith('data-') ? round(v) : v)}"`))
    .join('');
}

export function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export function el(tag: string, attrs: Attrs = {}, children: string | string[] = ''): string {
  const body = Array.isArray(children) ? children.join('') : children;
  return body === '' ? `<${tag}${attrText(attrs)}/>` : `<${tag}${attrText(attrs)}>${body}</${tag}>`;
}

export function text(x: number, y: number, content: string, attrs: Attrs = {}): string {
  return el('text', { x, y, ...attrs }, escapeHtml(content));
}

/** A native tooltip: every mark says what it is when hovered, without a script. */
export function title(content: string): string {
  return el('title', {}, escapeHtml(content));
}

/** The outer <svg>: sized by its viewBox so it scales with the page. */
export function svgRoot(width: number, height: number, attrs: Attrs, children: string[]): string {
  return el('svg', { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', class: 'chart', ...attrs }, children);
}
