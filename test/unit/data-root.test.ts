import { describe, expect, it } from 'vitest';
import { defaultDataRoot, fallbackDataRoot } from '../../src/local/core/os-user.js';

describe('where the local target keeps its data directories', () => {
  it('gives two homes two different fallback roots, and one home always the same one', () => {
    const a = fallbackDataRoot('/home/learner/.aurora-lab');
    const b = fallbackDataRoot('/tmp/aurora-lab-test-123');
    expect(a).not.toBe(b);
    expect(fallbackDataRoot('/home/learner/.aurora-lab/')).toBe(a);
    expect(a).toMatch(/^\/var\/tmp\/aurora-lab-\d+-[0-9a-f]{8}$/);
  });

  it('takes the option first, then AURORA_LAB_LOCAL_DATA, over any home', () => {
    expect(defaultDataRoot('/srv/data', { AURORA_LAB_LOCAL_DATA: '/srv/env', AURORA_LAB_HOME: '/h' })).toBe('/srv/data');
    expect(defaultDataRoot(undefined, { AURORA_LAB_LOCAL_DATA: '/srv/env', AURORA_LAB_HOME: '/h' })).toBe('/srv/env');
  });
});
