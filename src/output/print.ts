/** Results on stdout: one JSON document with --json, readable text otherwise. */

export function printJson(doc: unknown): void {
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}

/** Resolves once what was written to stderr so far (the steps' progress) is out, so a verdict printed next on stdout reads last. */
export function stderrDrained(): Promise<void> {
  return new Promise<void>((resolve) => process.stderr.write('', () => resolve()));
}

export function printText(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Columns padded to the widest cell; ANSI colour codes do not count towards width. */
export function table(rows: string[][]): string {
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(cell))));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visible(cell)))).join('  ')).join('\n');
}
