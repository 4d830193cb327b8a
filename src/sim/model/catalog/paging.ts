/**
 * RDS's Marker/MaxRecords paging: MaxRecords defaults to 100 and must lie in the operation's range
 * (InvalidParameterValue "Invalid value N for MaxRecords. Must be between 20 and M", as AWS words it);
 * a page that is not the last carries a Marker, opaque to the caller, that the next call passes back.
 * A marker this model did not issue for the operation is refused.
 */
import { createHash } from 'node:crypto';
import { invalidValue } from '../errors.js';
import { optNum, optStr } from '../input.js';
import type { Input } from '../runtime.js';

function seal(operation: string, offset: number): string {
  return createHash('sha256').update(`${operation}:${offset}`).digest('hex').slice(0, 12);
}

function encode(operation: string, offset: number): string {
  return Buffer.from(`${offset}:${seal(operation, offset)}`, 'utf8').toString('base64url');
}

function decode(operation: string, marker: string): number {
  const [offset, mac] = Buffer.from(marker, 'base64url').toString('utf8').split(':');
  const n = Number(offset);
  if (!/^\d+$/.test(offset ?? '') || mac !== seal(operation, n)) invalidValue(`Invalid marker: ${marker}`);
  return n;
}

export interface Page<T> {
  items: T[];
  marker?: string;
}

export function page<T>(operation: string, input: Input, all: T[], maxAllowed: number): Page<T> {
  const max = optNum(input, 'MaxRecords') ?? 100;
  if (!Number.isInteger(max) || max < 20 || max > maxAllowed) {
    invalidValue(`Invalid value ${max} for MaxRecords. Must be between 20 and ${maxAllowed}`);
  }
  const marker = optStr(input, 'Marker');
  const start = marker === undefined || marker === '' ? 0 : decode(operation, marker);
  if (start > all.length) invalidValue(`Invalid marker: ${marker}`);
  const items = all.slice(start, start + max);
  const next = start + max;
  return next < all.length ? { items, marker: encode(operation, next) } : { items };
}
