/** Identifiers, ARNs and host names in the shapes AWS uses. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomFrom(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** DbiResourceId: `db-` and 26 upper-case letters and digits. */
export function dbiResourceId(): string {
  return `db-${randomFrom(UPPER_ALNUM, 26)}`;
}

/** DbClusterResourceId (and GlobalClusterResourceId): `cluster-` and 26 upper-case letters and digits. */
export function clusterResourceId(): string {
  return `cluster-${randomFrom(UPPER_ALNUM, 26)}`;
}

export function hexId(prefix: string, length = 17): string {
  return `${prefix}-${randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length)}`;
}

export function uuid(): string {
  return randomUUID();
}

/** Secrets Manager appends six random characters to a secret's name in its ARN. */
export function secretSuffix(): string {
  return randomFrom('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ', 6);
}

export function randomPassword(length = 28): string {
  // RDS-generated passwords avoid / @ " and space, which the engines or URIs would trip over.
  return randomFrom('ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#$%^&*()-_=+', length);
}

/**
 * The per-account, per-region part of RDS host names (`<id>.<hash>.<region>.rds.amazonaws.com`). AWS keeps
 * it stable for an account and region, so it is derived rather than random.
 */
export function endpointHash(accountId: string, region: string): string {
  const digest = createHash('sha256').update(`${accountId}:${region}`).digest();
  let out = '';
  for (let i = 0; i < 12; i++) out += LOWER_ALNUM[digest[i]! % LOWER_ALNUM.length];
  return out;
}

export type RdsArnKind = 'cluster' | 'db' | 'cluster-snapshot' | 'snapshot' | 'subgrp' | 'cluster-pg' | 'pg';

export function rdsArn(region: string, accountId: string, kind: RdsArnKind, id: string): string {
  return `arn:aws:rds:${region}:${accountId}:${kind}:${id}`;
}

export function globalClusterArn(accountId: string, id: string): string {
  return `arn:aws:rds::${accountId}:global-cluster:${id}`;
}

export interface ParsedArn {
  service: string;
  region: string;
  accountId: string;
  resourceType: string;
  resourceId: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const m = /^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d*):([^:/]+)[:/](.+)$/.exec(arn);
  if (!m) return undefined;
  return { service: m[1]!, region: m[2]!, accountId: m[3]!, resourceType: m[4]!, resourceId: m[5]! };
}

export function isArn(value: string): boolean {
  return value.startsWith('arn:');
}

/** Route 53 hosted zone of RDS endpoints; a fixed stand-in per region is enough for a simulation. */
export function hostedZoneId(region: string): string {
  const digest = createHash('sha256').update(region).digest('hex').toUpperCase();
  return `Z${digest.slice(0, 13)}`;
}
