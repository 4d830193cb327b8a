/**
 * Secrets Manager's ListSecrets, as the API reference describes it: secrets scheduled for deletion
 * only with IncludePlannedDeletion; MaxResults 1-100 with an opaque NextToken; Filters ANDed, each
 * matching any of its 1-10 values by prefix (description and `all` without case, the other keys with
 * it), a value starting with `!` negating; SortOrder by CreatedDate.
 */
import { fail } from './errors.js';
import { optBool, optNum, optStr } from './input.js';
import type { Handler, Input } from './runtime.js';
import type { SecretRec } from './state.js';
import { pageToken, tokenOffset } from './paging.js';

type Listed = SecretRec & { description?: string; deletedAt?: number };

const KEYS = ['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all'];
const VALUE = /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/;

function invalid(message: string): never {
  fail('InvalidParameterException', message);
}

function description(s: Listed): string | undefined {
  return s.ownerArn ? `Secret associated with primary RDS DB resource: ${s.ownerArn}` : s.description;
}

/** The strings a filter key looks at, and whether it compares without case. */
function fields(s: Listed, key: string): { values: string[]; anyCase: boolean } {
  switch (key) {
    case 'description':
      return { values: [description(s) ?? ''], anyCase: true };
    case 'name':
      return { values: [s.name], anyCase: false };
    case 'tag-key':
      return { values: s.tags.map((t) => t.Key), anyCase: false };
    case 'tag-value':
      return { values: s.tags.map((t) => t.Value), anyCase: false };
    case 'primary-region':
      return { values: [s.region], anyCase: false };
    case 'owning-service':
      return { values: s.ownerArn ? ['rds'] : [], anyCase: false };
    default:
      // `all`: the value's words against every attribute's words.
      return { values: [s.name, description(s) ?? '', ...s.tags.flatMap((t) => [t.Key, t.Value])].flatMap((v) => v.split(/[\s/_:.-]+/)), anyCase: true };
  }
}

function matches(s: Listed, key: string, value: string): boolean {
  const negated = value.startsWith('!');
  const wanted = negated ? value.slice(1) : value;
  const { values, anyCase } = fields(s, key);
  const norm = (x: string) => (anyCase ? x.toLowerCase() : x);
  const words = key === 'all' ? wanted.split(/\s+/).filter(Boolean) : [wanted];
  const hit = words.every((w) => values.some((v) => norm(v).startsWith(norm(w))));
  return negated ? !hit : hit;
}

function checkFilters(input: Input): { key: string; values: string[] }[] {
  const raw = input['Filters'];
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) invalid('Filters must be a list.');
  return (raw as Input[]).map((f) => {
    const key = String(f['Key'] ?? '');
    if (!KEYS.includes(key)) invalid(`Invalid filter key: ${key}. Valid keys: ${KEYS.join(', ')}.`);
    const values = Array.isArray(f['Values']) ? (f['Values'] as unknown[]).map(String) : [];
    if (values.length < 1 || values.length > 10) invalid('A filter must have between 1 and 10 values.');
    for (const v of values) if (v.length > 512 || !VALUE.test(v)) invalid(`Invalid filter value: ${v}.`);
    return { key, values };
  });
}

function entry(s: Listed): Record<string, unknown> {
  const text = description(s);
  return {
    ARN: s.arn,
    Name: s.name,
    ...(text !== undefined ? { Description: text } : {}),
    KmsKeyId: s.kmsKeyId,
    RotationEnabled: Boolean(s.ownerArn),
    ...(s.ownerArn ? { RotationRules: { AutomaticallyAfterDays: 7 }, OwningService: 'rds' } : {}),
    LastChangedDate: new Date(s.createdAt),
    Tags: s.tags.map((t) => ({ ...t })),
    SecretVersionsToStages: { [s.versionId]: ['AWSCURRENT'] },
    CreatedDate: new Date(s.createdAt),
    ...(s.deletedAt !== undefined ? { DeletedDate: new Date(s.deletedAt) } : {}),
  };
}

export const listSecretsHandlers: Record<string, Handler> = {
  ListSecrets(rt, input, region) {
    const max = optNum(input, 'MaxResults') ?? 100;
    if (!Number.isInteger(max) || max < 1 || max > 100) invalid('MaxResults must be between 1 and 100.');
    const order = optStr(input, 'SortOrder') ?? 'asc';
    if (order !== 'asc' && order !== 'desc') invalid(`Invalid SortOrder: ${order}. Valid values: asc, desc.`);
    const filters = checkFilters(input);
    const planned = optBool(input, 'IncludePlannedDeletion') ?? false;
    const list = (Object.values(rt.state.secrets) as Listed[])
      .filter((s) => s.region === region && (planned || s.deletedAt === undefined))
      .filter((s) => filters.every((f) => f.values.some((v) => matches(s, f.key, v))))
      // By CreatedDate; the ARN breaks ties so that pages never overlap.
      .sort((a, b) => (order === 'asc' ? 1 : -1) * (a.createdAt - b.createdAt || (a.arn < b.arn ? -1 : 1)));
    const given = optStr(input, 'NextToken');
    let start = 0;
    if (given !== undefined) {
      const at = tokenOffset(given, 'ListSecrets');
      if (at === undefined) fail('InvalidNextTokenException', 'The NextToken value is invalid.');
      start = at;
    }
    const page = list.slice(start, start + max);
    return { SecretList: page.map(entry), ...(start + max < list.length ? { NextToken: pageToken('ListSecrets', start + max) } : {}) };
  },
};
