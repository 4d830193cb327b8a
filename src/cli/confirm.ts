/** Consent before AWS resources are created or deleted: --yes, or a y on a TTY. A missing TTY is never consent. */
import { createInterface } from 'node:readline/promises';
import { UsageError } from '../errors.js';

export async function confirm(question: string, yes: boolean | undefined, what: string): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UsageError(`${what} needs confirmation, and there is no terminal to ask`, { code: 'CONFIRMATION_REQUIRED', hint: 'pass --yes to confirm' });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
