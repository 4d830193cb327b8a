/**
 * The fault matrix's step faults for every lab on aurora-postgresql (fault-matrix-cases.ts says what
 * each case does). The other engines and the retried runs are their own files, so that vitest runs
 * the three parts on different workers.
 */
import { defineFaultMatrix } from './fault-matrix-cases.js';

await defineFaultMatrix({ steps: (engine) => engine === 'aurora-postgresql' });
