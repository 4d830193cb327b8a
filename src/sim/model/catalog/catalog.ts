/**
 * The version catalogue one simulated account uses: AWS's (versions.ts), or, when the data plane says
 * which versions it really runs (DataPlane.engineVersions), exactly those, so that what a lab picks is
 * what its server is.
 */
import type { EngineVersionOffer } from '../../data-plane.js';
import { invalidCombination } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { AWS_VERSIONS, compareVersions, familyOf, majorOf, type VersionInfo } from './versions.js';

export class Catalog {
  constructor(readonly versions: VersionInfo[]) {}

  of(engine: string): VersionInfo[] {
    return this.versions.filter((x) => x.engine === engine);
  }

  find(engine: string, version: string): VersionInfo | undefined {
    return this.versions.find((x) => x.engine === engine && x.version === version);
  }

  defaultOf(engine: string): VersionInfo | undefined {
    const mine = this.of(engine);
    return mine.find((x) => x.isDefault) ?? mine[mine.length - 1];
  }

  /** The version to use: the requested one (exact, or a major's newest) or the engine's default. */
  resolve(engine: string, requested: string | undefined): VersionInfo {
    const found =
      requested === undefined
        ? this.defaultOf(engine)
        : (this.find(engine, requested) ?? this.of(engine).filter((x) => x.major === requested).pop());
    if (!found) {
      // An engine without any version here (the local target runs no MySQL yet) says so.
      const none = this.of(engine).length === 0 ? ` (no ${engine} version is offered here)` : '';
      invalidCombination(`Cannot find version ${requested ?? '(default)'} for ${engine}${none}`);
    }
    return found;
  }
}

export const AWS_CATALOG = new Catalog(AWS_VERSIONS);

export function catalogFromOffers(offers: EngineVersionOffer[]): Catalog {
  const list = offers.map((o): VersionInfo => {
    const major = majorOf(o.engine, o.version);
    return {
      engine: o.engine,
      version: o.version,
      major,
      family: familyOf(o.engine, major),
      isDefault: o.isDefault,
      minCapacityZero: o.minCapacityZero,
      supportsGlobalDatabases: o.supportsGlobalDatabases,
      features: [...o.featureNames],
    };
  });
  list.sort((a, b) => (a.engine === b.engine ? compareVersions(a.version, b.version) : 0));
  return new Catalog(list);
}

const byRuntime = new WeakMap<Runtime, Catalog>();

export function catalogOf(rt: Runtime): Catalog {
  const offers = rt.dataPlane?.engineVersions;
  if (!offers) return AWS_CATALOG;
  let catalog = byRuntime.get(rt);
  if (!catalog) {
    catalog = catalogFromOffers(offers.call(rt.dataPlane));
    byRuntime.set(rt, catalog);
  }
  return catalog;
}
