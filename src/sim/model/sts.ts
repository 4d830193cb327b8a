/** STS: who the simulated caller is. */
import { createHash } from 'node:crypto';
import type { Handler } from './runtime.js';

export const SIM_USER = 'aurora-lab-sim';

export const stsHandlers: Record<string, Handler> = {
  GetCallerIdentity(rt) {
    const digest = createHash('sha256').update(`user:${rt.accountId}`).digest('hex').toUpperCase();
    return {
      UserId: `AIDA${digest.slice(0, 17)}`,
      Account: rt.accountId,
      Arn: `arn:aws:iam::${rt.accountId}:user/${SIM_USER}`,
    };
  },
};
