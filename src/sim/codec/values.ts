/** Scalar conversions shared by the codecs: timestamps, blobs, XML text. */
import type { Shape } from '../shapes.js';

/** 5 date-time (ISO 8601), 6 http-date, 7 epoch-seconds; the schema code carries the timestampFormat trait. */
export function timestampFormat(ns: Shape, protocolDefault: 5 | 7): 5 | 6 | 7 {
  const sc = ns.getSchema();
  return sc === 5 || sc === 6 || sc === 7 ? sc : protocolDefault;
}

export function formatTimestamp(date: Date, format: 5 | 6 | 7): string | number {
  if (format === 7) return date.getTime() / 1000;
  if (format === 6) return date.toUTCString();
  return date.toISOString();
}

/** Accepts every wire form (epoch seconds, ISO 8601, http-date); undefined when unparseable. */
export function parseTimestamp(value: unknown): Date | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? new Date(value * 1000) : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const d = /^-?\d+(\.\d+)?$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function toBase64(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return Buffer.from(String(value), 'utf8').toString('base64');
}

export function fromBase64(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value, 'base64'));
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}
