import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { SlowestFirst } from './test/helpers/slowest-first.js';

/**
 * Test files at a time. Most files spend their time waiting on other processes (the CLI, PostgreSQL,
 * MariaDB, aws, Chromium) or on the local target's timers, not computing, so two more files than
 * cores keep the cores busy; vitest's default (cores - 1) ran a 2-core CI machine one file at a time.
 * AURORA_LAB_TEST_WORKERS overrides it (1 for a serial run when chasing an interference).
 */
const workers = Number(process.env.AURORA_LAB_TEST_WORKERS) || availableParallelism() + 2;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Nothing in the tests may reach AWS or the instance metadata service.
    env: {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: '',
      NO_COLOR: '1',
    },
    pool: 'forks',
    maxWorkers: workers,
    // The slowest files start first, so the run does not end on one long file (test/helpers/slowest-first.ts).
    sequence: { sequencer: SlowestFirst },
  },
});
