import type { ExitCodeValue } from '../../errors.js';
import type { GlobalOptions } from '../settings.js';
export async function questionsCommand(_g: GlobalOptions, _n?: string): Promise<ExitCodeValue> {
  throw new Error('not yet');
}
