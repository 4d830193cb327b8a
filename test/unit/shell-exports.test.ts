import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellExports, shellQuote } from '../../src/output/shell.js';

describe('shell exports', () => {
  it('come back unchanged through eval in sh and bash, whatever characters the values hold', () => {
    const vars = { A: `it's "quoted" $HOME \`id\` \\ ;|&`, B: 'a+b/c=d', C: '', D: 'line\nbreak' };
    for (const shell of ['/bin/sh', '/bin/bash']) {
      const out = execFileSync(shell, ['-c', 'eval "$1"; printf "%s\\0" "$A" "$B" "$C" "$D"', 'sh', shellExports(vars)], { encoding: 'utf8' });
      expect(out.split('\0').slice(0, 4)).toEqual(Object.values(vars));
    }
  });

  it('quote with single quotes only', () => {
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
    expect(shellExports({ X: 'y' })).toBe("export X='y'");
  });
});
