/** Small formatters for the report (figures as a learner reads them; no locale surprises). */

export function escapeHtml(text: unknown): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A number with at most `digits` decimals, trailing zeros dropped. */
export function formatNumber(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return String(n);
  const fixed = n.toFixed(digits);
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** Milliseconds: "236 ms", "1.24 s", "12.5 s", "3 min 20 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) < 10_000) return `${formatNumber(ms / 1000, 2)} s`;
  if (Math.abs(ms) < 120_000) return `${formatNumber(ms / 1000, 1)} s`;
  const min = Math.floor(ms / 60_000);
  return `${min} min ${Math.round((ms - min * 60_000) / 1000)} s`;
}

/** A measurement for the facts table: durations in ms get their unit, lists are joined. */
export function formatValue(name: string, value: unknown): string {
  if (value === null || value === undefined) return 'not measured';
  if (typeof value === 'number') return /Ms$/.test(name) ? formatDuration(value) : formatNumber(value, 3);
  if (Array.isArray(value)) return value.map((v) => String(v)).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** An ISO time as "2026-12-01 19:31 UTC". */
export function formatWhen(iso: string | number): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
