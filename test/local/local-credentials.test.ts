import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localCredentials, localCredentialsPath } from '../../src/local/daemon/local-credentials.js';
import { useTempLabHome } from '../helpers/temp-lab-home.js';

const home = useTempLabHome('alab-creds-');

describe('the local credentials', () => {
  it('are made once per home, in a file only its owner can read, in a directory only its owner can list', () => {
    const first = localCredentials(home());
    expect(first.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(first.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    const file = localCredentialsPath(home());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    expect(localCredentials(home())).toEqual(first);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(first);
  });

  it('differ between homes', () => {
    const a = localCredentials(`${home()}/a`);
    const b = localCredentials(`${home()}/b`);
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a.secretAccessKey).not.toBe(b.secretAccessKey);
  });

  it('are narrowed back to their owner when the file or directory was widened', () => {
    localCredentials(home());
    const file = localCredentialsPath(home());
    chmodSync(file, 0o644);
    chmodSync(dirname(file), 0o755);
    localCredentials(home());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
  });

  it('refuse a damaged file with a hint instead of making new ones behind the running server', () => {
    localCredentials(home());
    writeFileSync(localCredentialsPath(home()), '{"accessKeyId":"x"}');
    expect(() => localCredentials(home())).toThrow(expect.objectContaining({ code: 'LOCAL_BAD_CREDENTIALS' }));
  });
});
