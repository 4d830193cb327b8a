/**
 * The local target's credentials: one key pair per AURORA_LAB_HOME, made on first use and kept in
 * `<home>/secrets/local-credentials.json` (file 0600, directory 0700). The local server verifies every
 * request's signature and every IAM database token against them, so only someone who can read that
 * file (its owner) can use the local control plane, read a master password from the local Secrets
 * Manager, or sign a token the IAM front accepts.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalTargetError } from '../../errors.js';

export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export const LOCAL_CREDENTIALS_FILE = join('secrets', 'local-credentials.json');

/** The access key's shape is AWS's (20 characters, A-Z and 2-7 after the prefix) so tools that check it accept it. */
const KEY_PATTERN = /^AKIA[A-Z2-7]{16}$/;
const SECRET_PATTERN = /^[A-Za-z0-9+/]{40}$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function localCredentialsPath(home: string): string {
  return join(home, LOCAL_CREDENTIALS_FILE);
}

function generate(): LocalCredentials {
  const key = [...randomBytes(16)].map((b) => BASE32[b % 32]).join('');
  return { accessKeyId: `AKIA${key}`, secretAccessKey: randomBytes(30).toString('base64') };
}

function parse(text: string, file: string): LocalCredentials {
  let doc: Partial<LocalCredentials> | undefined;
  try {
    doc = JSON.parse(text) as Partial<LocalCredentials>;
  } catch {
    doc = undefined;
  }
  if (!doc || typeof doc.accessKeyId !== 'string' || !KEY_PATTERN.test(doc.accessKeyId) || typeof doc.secretAccessKey !== 'string' || !SECRET_PATTERN.test(doc.secretAccessKey)) {
    throw new LocalTargetError(`The local credentials file ${file} is damaged.`, {
      code: 'LOCAL_BAD_CREDENTIALS',
      hint: 'stop the local server, delete the file and start it again: new credentials are made',
    });
  }
  return { accessKeyId: doc.accessKeyId, secretAccessKey: doc.secretAccessKey };
}

/**
 * The credentials of `home`, made now if there are none yet. Safe when two processes race: each writes
 * its own temp file and links it into place, the loser reads the winner's.
 */
export function localCredentials(home: string): LocalCredentials {
  const file = localCredentialsPath(home);
  const dir = join(home, 'secrets');
  // The home itself stays traversable (the data dirs under it must be reachable by the server user).
  mkdirSync(home, { recursive: true, mode: 0o755 });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // An older or hand-made directory may be wider: only its owner may list it.
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  try {
    return readOwnerOnly(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify(generate(), null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
  return readOwnerOnly(file);
}

function readOwnerOnly(file: string): LocalCredentials {
  const text = readFileSync(file, 'utf8');
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return parse(text, file);
}
