import { LocalTargetError, type ExitCodeValue } from '../../errors.js';
import type { GlobalOptions } from '../settings.js';

const notYet = () => new LocalTargetError('the local target is being built', { code: 'LOCAL_UNAVAILABLE', hint: 'rehearse with --dry-run' });
export async function localStart(_g: GlobalOptions, _o: { port: string }): Promise<ExitCodeValue> { throw notYet(); }
export async function localStop(_g: GlobalOptions, _o: { purge?: boolean }): Promise<ExitCodeValue> { throw notYet(); }
export async function localStatus(_g: GlobalOptions): Promise<ExitCodeValue> { throw notYet(); }
export async function localServe(_g: GlobalOptions, _o: { port: string }): Promise<ExitCodeValue> { throw notYet(); }
