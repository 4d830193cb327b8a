/**
 * The engine and instance-class catalogue as the rest of the model uses it (the data and the three
 * Describe handlers live in ./catalog/). Versions depend on the account: AWS's catalogue, or the
 * versions the data plane really runs (see catalog/catalog.ts).
 */
import { invalidCombination } from './errors.js';
import type { Runtime } from './runtime.js';
import { catalogOf } from './catalog/catalog.js';
import { classesFor, licenseModel } from './catalog/classes.js';
import type { VersionInfo } from './catalog/versions.js';

export { ENGINES, isAurora, AWS_VERSIONS as VERSIONS, type VersionInfo } from './catalog/versions.js';
export { classesFor } from './catalog/classes.js';
export { catalogOf } from './catalog/catalog.js';
export { describeDBEngineVersions, describeDBMajorEngineVersions, describeOrderableDBInstanceOptions } from './catalog/handlers.js';

export function defaultPort(engine: string): number {
  return engine.includes('mysql') ? 3306 : 5432;
}

export function findVersion(rt: Runtime, engine: string, version: string): VersionInfo | undefined {
  return catalogOf(rt).find(engine, version);
}

/** The version to use for an engine: the requested one (an exact or a major version) or the default. */
export function resolveVersion(rt: Runtime, engine: string, requested: string | undefined): VersionInfo {
  return catalogOf(rt).resolve(engine, requested);
}

/** A class the engine does not offer is refused as AWS refuses it. */
export function checkOrderable(engine: string, version: string, instanceClass: string): void {
  if (!classesFor(engine).includes(instanceClass)) {
    invalidCombination(
      `RDS does not support creating a DB instance with the following combination: DBInstanceClass=${instanceClass}, Engine=${engine}, EngineVersion=${version}, LicenseModel=${licenseModel(engine)}. For supported combinations of instance class and database engine version, see the documentation.`,
    );
  }
}
