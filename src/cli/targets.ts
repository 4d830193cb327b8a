/** Build the target a command talks to, from its options or from a saved run. */
import type { Target, TargetName } from '../engine/target.js';
import { UsageError } from '../errors.js';
import { resolveAwsRegion, simulatedRegion, type GlobalOptions } from './settings.js';

export interface TargetOptions extends GlobalOptions {
  caBundle?: string;
  /** Dry run only: transitions take AWS's typical durations on a virtual clock. */
  awsTiming?: boolean;
}

export function targetNameFrom(opts: { dryRun?: boolean; local?: boolean }): TargetName {
  if (opts.dryRun && opts.local) throw new UsageError('--dry-run and --local cannot be used together', { hint: 'pick one target' });
  return opts.dryRun ? 'dry-run' : opts.local ? 'local' : 'aws';
}

export async function makeTarget(name: TargetName, opts: TargetOptions, run: { dir: string; region?: string }): Promise<Target> {
  switch (name) {
    case 'dry-run': {
      const { dryRunTarget, requestedTiming } = await import('../engine/targets/dry-run.js');
      return dryRunTarget({ region: run.region || simulatedRegion(opts), runDir: run.dir, timing: requestedTiming(opts.awsTiming) });
    }
    case 'local': {
      const { localTarget } = await import('../engine/targets/local.js');
      return localTarget({ region: run.region || simulatedRegion(opts) });
    }
    case 'aws': {
      const { awsTarget } = await import('../engine/targets/aws.js');
      const region = run.region || (await resolveAwsRegion(opts));
      return awsTarget({ region, profile: opts.profile ?? (process.env.AWS_PROFILE || undefined), endpointUrl: opts.endpointUrl, caBundle: opts.caBundle });
    }
  }
}
