/**
 * A local certificate authority, made once with the openssl CLI, and the servers' certificate for a
 * data plane's endpoint addresses (127.0.0.1, localhost and every address of its /24 block, as IP
 * SANs), so `sslmode=verify-full` works at every local endpoint. Clients verify PostgreSQL's
 * certificate against this CA exactly as they verify Aurora's against the RDS bundle: never with
 * rejectUnauthorized:false.
 *
 * The CA key stays beside the CA (mode 0600, its owner's alone) because each data plane picks its own
 * address block, and so needs a certificate of its own, after the CA was made.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { LocalTargetError } from '../../errors.js';
import { ensureTraversableDir } from '../core/os-user.js';

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

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Make `dir` by building it in a scratch directory renamed into place: sharers never see half-written files. */
async function buildOnce(dir: string, complete: () => boolean, build: (work: string) => Promise<void>): Promise<void> {
  if (complete()) return;
  ensureTraversableDir(dirname(dir));
  const work = `${dir}.tmp-${process.pid}-${Date.now()}`;
  ensureTraversableDir(work);
  try {
    await build(work);
    try {
      renameSync(work, dir);
    } catch {
      // Someone else finished first, or an empty/partial (or older, keyless) directory is in the way.
      if (!complete()) {
        rmSync(dir, { recursive: true, force: true });
        renameSync(work, dir);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const caFiles = (dir: string) => ({ caFile: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key') });
const certFiles = (dir: string) => ({ certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key') });

/**
 * The CA in `caDir` (made on first use) and a server certificate in `certDir` for 127.0.0.1, localhost
 * and, given `blockPrefix` ("127.A.B"), every address of 127.A.B.0/24.
 */
export async function ensureLocalTls(caDir: string, options: { certDir?: string; blockPrefix?: string } = {}): Promise<TlsFiles> {
  const ca = caFiles(caDir);
  await buildOnce(caDir, () => existsSync(ca.caFile) && existsSync(ca.caKey), (work) => makeCa(work));
  const certDir = options.certDir ?? join(caDir, 'server');
  const cert = certFiles(certDir);
  const sans = subjectAltNames(options.blockPrefix);
  const caPem = readFileSync(ca.caFile, 'utf8');
  const current = () =>
    existsSync(cert.keyFile) && existsSync(cert.certFile) && textOf(join(certDir, 'sans.txt')) === sans && textOf(join(certDir, 'ca.crt')) === caPem;
  await buildOnce(certDir, current, (work) => makeServerCert(work, ca, sans, caPem));
  return { dir: certDir, caFile: ca.caFile, ...cert, caPem };
}

function textOf(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function subjectAltNames(blockPrefix: string | undefined): string {
  const block = blockPrefix ? Array.from({ length: 256 }, (_, i) => `IP:${blockPrefix}.${i}`) : [];
  return ['IP:127.0.0.1', 'DNS:localhost', ...block].join(',');
}

async function makeCa(dir: string): Promise<void> {
  const { caFile, caKey } = caFiles(dir);
  await openssl(
    ['req', '-x509', ...EC, '-days', '3650', '-sha256', '-subj', '/CN=aurora-lab local CA', '-keyout', caKey, '-out', caFile,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  chmodSync(caKey, 0o600);
}

async function makeServerCert(dir: string, ca: { caFile: string; caKey: string }, sans: string, caPem: string): Promise<void> {
  const { certFile, keyFile } = certFiles(dir);
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server.ext');
  await openssl(['req', ...EC, '-subj', '/CN=127.0.0.1', '-keyout', keyFile, '-out', csr], dir);
  writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`);
  await openssl(
    ['x509', '-req', '-in', csr, '-CA', ca.caFile, '-CAkey', ca.caKey, '-CAcreateserial', '-CAserial', join(dir, 'ca.srl'),
      '-days', '3650', '-sha256', '-extfile', ext, '-out', certFile],
    dir,
  );
  for (const f of [csr, ext, join(dir, 'ca.srl')]) rmSync(f, { force: true });
  // What it was made for, to know when it must be made again (another block, a new CA).
  writeFileSync(join(dir, 'sans.txt'), sans);
  writeFileSync(join(dir, 'ca.crt'), caPem);
  chmodSync(keyFile, 0o600);
}
