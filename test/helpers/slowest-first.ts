/**
 * The order vitest starts test files in: the slowest first, so the run does not end with one long file
 * alone on a worker while the others sit idle. A fresh CI clone has no vitest cache, and vitest's own
 * sequencer then keeps the glob order (its durations come from that cache), so the durations here are
 * checked in: seconds per file from `npx vitest run --reporter=json` on a 2-core machine, one file at a
 * time (test/helpers/file-seconds.ts says how to refresh them). A file not in the table (a new one) is
 * started first, as vitest does with files it has never timed: a new slow file must not be the tail.
 */
import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { FILE_SECONDS } from './file-seconds.js';

export class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const root = this.ctx.config.root;
    const seconds = (f: TestSpecification) => FILE_SECONDS[path.relative(root, f.moduleId).split(path.sep).join('/')] ?? Number.POSITIVE_INFINITY;
    return base
      .map((f, i) => ({ f, i, s: seconds(f) }))
      .sort((a, b) => (a.s === b.s ? a.i - b.i : b.s - a.s))
      .map((x) => x.f);
  }
}
