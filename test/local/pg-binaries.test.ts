import { describe, expect, test } from 'vitest';
import { serverUser } from '../../src/local/core/os-user.js';
import { findPgBinaries } from '../../src/local/engines/postgres/pg-binaries.js';

describe('finding PostgreSQL', () => {
  test('the installed server programs are found, with their major version', () => {
    const bins = findPgBinaries();
    expect(bins.majorVersion).toBeGreaterThanOrEqual(13);
    expect(bins.pgBasebackup).toMatch(/pg_basebackup$/);
    expect(bins.postgres.startsWith(bins.dir)).toBe(true);
  });

  test('a bin directory without PostgreSQL gives an error that says how to install it', () => {
    expect(() => findPgBinaries({ binDir: '/nonexistent/bin' })).toThrow(
      expect.objectContaining({ code: 'LOCAL_PG_MISSING', hint: expect.stringContaining('apt-get install postgresql') }),
    );
  });

  test('servers run as an unprivileged user when we are root, and as ourselves otherwise', () => {
    const user = serverUser();
    if (process.getuid!() === 0) expect(user?.uid).toBeGreaterThan(0);
    else expect(user).toBeUndefined();
  });
});
