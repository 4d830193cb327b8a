import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '../../src/sql');
const heavy = /^(pg|mysql2|mysql2\/promise|@aws-sdk\/rds-signer)$/;

describe('src/sql', () => {
  it('loads the database drivers and the signer only on use (no static value imports)', () => {
    const offenders: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const m of text.matchAll(/^\s*(import|export)\s+(?!type\b)[^;]*?from\s+['"]([^'"]+)['"]/gm)) {
        if (heavy.test(m[2]!)) offenders.push(`${file}: ${m[0].trim()}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('can be imported without loading pg', async () => {
    await import('../../src/sql/index.js');
    // pg is CommonJS: once loaded, it is in require's cache.
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    expect(Object.keys(require.cache).some((k) => /node_modules[\\/]pg[\\/]/.test(k))).toBe(false);
  });
});
