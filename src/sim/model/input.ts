/** Reading SDK inputs: the members arrive as the SDK types say, but the model stays defensive. */
import { invalidValue } from './errors.js';
import type { Input } from './runtime.js';
import type { Tag } from './state.js';

export function optStr(input: Input, name: string): string | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') invalidValue(`${name} must be a string.`);
  return v;
}

export function reqStr(input: Input, name: string): string {
  const v = optStr(input, name);
  if (v === undefined || v === '') invalidValue(`The parameter ${name} must be provided and must not be blank.`);
  return v;
}

/** RDS identifiers are case-insensitive and stored lower-case. */
export function reqId(input: Input, name: string): string {
  return reqStr(input, name).toLowerCase();
}

export function optId(input: Input, name: string): string | undefined {
  return optStr(input, name)?.toLowerCase();
}

export function optBool(input: Input, name: string): boolean | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') invalidValue(`${name} must be a boolean.`);
  return v;
}

export function optNum(input: Input, name: string): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || Number.isNaN(v)) invalidValue(`${name} must be a number.`);
  return v;
}

export function strList(input: Input, name: string): string[] {
  const v = input[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) invalidValue(`${name} must be a list of strings.`);
  return v as string[];
}

export function tagList(input: Input, name = 'Tags'): Tag[] {
  const v = input[name];
  if (!Array.isArray(v)) return [];
  return v.map((t: { Key?: unknown; Value?: unknown }) => {
    if (typeof t?.Key !== 'string' || t.Key === '') invalidValue('Tag keys must be non-empty strings.');
    return { Key: t.Key, Value: typeof t.Value === 'string' ? t.Value : '' };
  });
}

/** Tags from both `Tags` and EC2-style `TagSpecifications`. */
export function tagsFromSpecs(input: Input): Tag[] {
  const specs = input['TagSpecifications'];
  const out: Tag[] = [];
  if (Array.isArray(specs)) for (const s of specs) out.push(...tagList(s as Input, 'Tags'));
  return out;
}

export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  const out = existing.filter((t) => !added.some((a) => a.Key === t.Key));
  return [...out, ...added];
}

export interface Filter {
  Name: string;
  Values: string[];
}

export function filters(input: Input, name = 'Filters'): Filter[] {
  const v = input[name];
  if (!Array.isArray(v)) return [];
  return v.map((f: { Name?: unknown; Values?: unknown }) => ({
    Name: String(f?.Name ?? ''),
    Values: Array.isArray(f?.Values) ? (f.Values as unknown[]).map(String) : [],
  }));
}

export function filterValues(fs: Filter[], name: string): string[] | undefined {
  const matching = fs.filter((f) => f.Name === name);
  if (matching.length === 0) return undefined;
  return matching.flatMap((f) => f.Values);
}

export function tagsOut(tags: Tag[]): Tag[] {
  return tags.map((t) => ({ Key: t.Key, Value: t.Value }));
}
