/** The local target: the same SDK calls, answered by the local server over real PostgreSQL processes. */
import { LocalTargetError } from '../../errors.js';
import type { Target } from '../target.js';

export async function localTarget(_opts: { region: string }): Promise<Target> {
  throw new LocalTargetError('the local target is not available in this build yet', { code: 'LOCAL_UNAVAILABLE', hint: 'rehearse with --dry-run' });
}
