/**
 * What every local writer gets so IAM users work as on Aurora: the NOLOGIN role `rds_iam` (so
 * `GRANT rds_iam TO u` works), and pg_hba.conf rules under which a member of rds_iam can reach the
 * instance only over TLS with a password that only the IAM front knows (see iam-backend.ts). A
 * direct connection to the instance's port therefore accepts neither a token nor a guessable password
 * for such a user. Replicas copy both (the role by replication, pg_hba.conf in the base backup);
 * restored snapshots and data templates made before this get them when their first writer starts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withAdminClient } from './admin-sql.js';
import { chownTo, type RunAsUser } from '../../core/os-user.js';
import type { PgServer } from './pg-server.js';

export const IAM_ROLE = 'rds_iam';
const HBA_MARK = '# aurora-lab: rds_iam';

/**
 * First match wins in pg_hba.conf, so these go on top. `+rds_iam` matches members directly or through
 * other roles, and (unlike has_role checks) a superuser only when explicitly granted it.
 */
const HBA_RULES = [
  `${HBA_MARK}: members log in only through the cluster endpoints' IAM front (TLS and its internal password)`,
  `hostssl all +${IAM_ROLE} 127.0.0.1/32 scram-sha-256`,
  `host    all +${IAM_ROLE} all          reject`,
];

const CREATE_ROLE = `DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${IAM_ROLE}') THEN CREATE ROLE ${IAM_ROLE} NOLOGIN; END IF;
END $$`;

/** Idempotent; run on a new primary (a first writer, a restored one, a standalone instance). */
export async function ensureIamSupport(server: PgServer, user: RunAsUser | undefined): Promise<void> {
  const hba = join(server.dataDir, 'pg_hba.conf');
  const text = readFileSync(hba, 'utf8');
  const hbaChanged = !text.includes(HBA_MARK);
  if (hbaChanged) {
    writeFileSync(hba, `${HBA_RULES.join('\n')}\n${text}`, { mode: 0o600 });
    chownTo(hba, user);
  }
  await withAdminClient(server.socket, async (c) => {
    await c.query(CREATE_ROLE);
    if (hbaChanged) await c.query('SELECT pg_reload_conf()');
  });
}
