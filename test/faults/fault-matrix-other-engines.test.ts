/**
 * The fault matrix's step faults for every lab on every engine but aurora-postgresql (aurora-mysql
 * today; a lab's new engine lands here too). fault-matrix-cases.ts says what each case does.
 */
import { defineFaultMatrix } from './fault-matrix-cases.js';

await defineFaultMatrix({ steps: (engine) => engine !== 'aurora-postgresql' });
