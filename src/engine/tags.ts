/** Every resource a run creates carries these tags: ownership for teardown, expiry for --expired. */

export const TAG_RUN_ID = 'aurora-lab:run-id';
export const TAG_LAB = 'aurora-lab:lab';
export const TAG_EXPIRES_AT = 'aurora-lab:expires-at';

export interface Tag {
  Key: string;
  Value: string;
}

export function runTags(runId: string, lab: string, expiresAt: string): Tag[] {
  return [
    { Key: TAG_RUN_ID, Value: runId },
    { Key: TAG_LAB, Value: lab },
    { Key: TAG_EXPIRES_AT, Value: expiresAt },
  ];
}

function merge(existing: unknown, tags: Tag[]): Tag[] {
  const list = Array.isArray(existing) ? (existing as Tag[]).filter((t) => !tags.some((r) => r.Key === t.Key)) : [];
  return [...list, ...tags];
}

/**
 * Add the run's tags to a create call's input, in the shape the operation takes. Labs need not
 * remember to tag: a resource the engine creates is always tagged.
 */
export function withRunTags(service: string, operation: string, input: Record<string, unknown>, tags: Tag[]): Record<string, unknown> {
  if (service === 'rds' && /^(Create|Restore|Copy)/.test(operation)) {
    return { ...input, Tags: merge(input.Tags, tags) };
  }
  if (service === 'secrets-manager' && operation === 'CreateSecret') {
    return { ...input, Tags: merge(input.Tags, tags) };
  }
  if ((service === 'iam' && operation === 'CreateRole') || (service === 'cloudwatch' && operation === 'PutMetricAlarm')) {
    return { ...input, Tags: merge(input.Tags, tags) };
  }
  if (service === 'logs' && operation === 'CreateLogGroup') {
    // CloudWatch Logs takes tags as a map.
    return { ...input, tags: { ...((input.tags as Record<string, string> | undefined) ?? {}), ...Object.fromEntries(tags.map((t) => [t.Key, t.Value])) } };
  }
  if (service === 'ec2' && operation === 'CreateSecurityGroup') {
    const specs = Array.isArray(input.TagSpecifications) ? (input.TagSpecifications as { ResourceType: string; Tags?: Tag[] }[]) : [];
    const others = specs.filter((s) => s.ResourceType !== 'security-group');
    const mine = specs.find((s) => s.ResourceType === 'security-group');
    return { ...input, TagSpecifications: [...others, { ResourceType: 'security-group', Tags: merge(mine?.Tags, tags) }] };
  }
  return input;
}

export function tagValue(tags: unknown, key: string): string | undefined {
  if (!Array.isArray(tags)) return undefined;
  return (tags as Tag[]).find((t) => t.Key === key)?.Value;
}
