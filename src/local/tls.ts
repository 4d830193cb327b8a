/**
 * A local certificate authority and a server certificate for 127.0.0.1/localhost, made once with the
 * openssl CLI. Clients verify PostgreSQL's certificate against this CA exactly as they verify Aurora's
 * against the RDS bundle: never with rejectUnauthorized:false.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { LocalTargetError } from '../errors.js';
import { ensureTraversableDir } from './os-user.js';

const execFileP = promisify(execFile);

export interface TlsFiles {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** PEM of the CA, what a client passes as `ssl.ca`. */
  caPem: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileP('openssl', args, { cwd });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new LocalTargetError('The openssl command is needed to make the local TLS certificates and was not found.', {
        code: 'LOCAL_OPENSSL_MISSING',
        hint: 'Install it (`apt-get install openssl`).',
        cause: err,
      });
    }
    throw new LocalTargetError(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim()}`, {
      code: 'LOCAL_OPENSSL',
      cause: err,
    });
  }
}

function filesIn(dir: string) {
  return { dir, caFile: join(dir, 'ca.crt'), certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') };
}

function complete(dir: string): boolean {
  const f = filesIn(dir);
  return existsSync(f.caFile) && existsSync(f.certFile) && existsSync(f.keyFile);
}

/**
 * Create (or reuse) the CA and server certificate in `dir`. They are made in a scratch directory and
 * renamed into place, so processes sharing a TLS dir never see half-written files.
 */
export async function ensureLocalTls(dir: string): Promise<TlsFiles> {
  if (!complete(dir)) {
    ensureTraversableDir(dirname(dir));
    const work = `${dir}.tmp-${process.pid}-${Date.now()}`;
    ensureTraversableDir(work);
    try {
      await makeCertificates(work);
      try {
        renameSync(work, dir);
      } catch {
        // Someone else finished first, or an empty/partial directory is in the way.
        if (!complete(dir)) {
          rmSync(dir, { recursive: true, force: true });
          renameSync(work, dir);
        }
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const files = filesIn(dir);
  return { ...files, caPem: readFileSync(files.caFile, 'utf8') };
}

async function makeCertificates(dir: string): Promise<void> {
  const files = filesIn(dir);
  const caKey = join(dir, 'ca.key');
  await openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650', '-sha256',
      '-subj', '/CN=aurora-lab local CA', '-keyout', caKey, '-out', files.caFile,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server.ext');
  await openssl(
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1',
      '-keyout', files.keyFile, '-out', csr],
    dir,
  );
  writeFileSync(
    ext,
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n' +
      'extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
  );
  await openssl(
    ['x509', '-req', '-in', csr, '-CA', files.caFile, '-CAkey', caKey, '-CAcreateserial',
      '-days', '3650', '-sha256', '-extfile', ext, '-out', files.certFile],
    dir,
  );
  // The CA key is only needed to sign, which is done; keeping it would let anything that reads this
  // directory mint certificates the lab's clients trust.
  for (const f of [csr, ext, caKey, join(dir, 'ca.srl')]) rmSync(f, { force: true });
  chmodSync(files.keyFile, 0o600);
}
