/**
 * Ctrl-C (SIGINT) and SIGTERM abort the run's signal: the current call or wait stops, state is saved
 * and the run is left resumable. A second Ctrl-C is not caught, so it ends the process at once.
 */
import type { Reporter } from '../events.js';

export async function withInterrupt<T>(reporter: Reporter, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: string) => {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    reporter.emit({ code: 'run.interrupt', level: 'warn', message: `${name}: stopping after saving the run (press Ctrl-C again to quit at once)` });
    controller.abort();
  };
  const onSigint = () => onSignal('SIGINT');
  const onSigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}
