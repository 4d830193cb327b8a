/**
 * The fault matrix's retried runs: every lab with 20 % of calls throttled, and with 20 % answered with
 * a 500; the SDK's retries must carry each run through (fault-matrix-cases.ts).
 */
import { defineFaultMatrix } from './fault-matrix-cases.js';

await defineFaultMatrix({ retries: true });
