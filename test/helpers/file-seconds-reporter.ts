/**
 * A vitest reporter that prints how long each test file took, hooks and collection included (vitest's
 * JSON reporter counts only the tests): the figures test/helpers/file-seconds.ts holds for the
 * slowest-first order. Use beside another reporter:
 *   npx vitest run --reporter=default --reporter=./test/helpers/file-seconds-reporter.ts
 * With AURORA_LAB_FILE_SECONDS=path it also writes them there as JSON.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export default class FileSecondsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const rows = modules.map((m) => {
      const d = m.diagnostic();
      const seconds = (d.collectDuration + d.setupDuration + d.duration) / 1000;
      return { file: path.relative(process.cwd(), m.moduleId).split(path.sep).join('/'), seconds: Math.round(seconds * 10) / 10, state: m.state() };
    });
    rows.sort((a, b) => b.seconds - a.seconds);
    const lines = rows.map((r) => `${r.seconds.toFixed(1).padStart(7)} s  ${r.state.padEnd(7)} ${r.file}`);
    const total = rows.reduce((s, r) => s + r.seconds, 0);
    process.stdout.write(`\nseconds per file (sum ${total.toFixed(1)} s):\n${lines.join('\n')}\n`);
    const out = process.env.AURORA_LAB_FILE_SECONDS;
    if (out) writeFileSync(out, `${JSON.stringify(Object.fromEntries(rows.map((r) => [r.file, r.seconds])), null, 2)}\n`);
  }
}
