/**
 * DescribeDBEngineVersions, DescribeDBMajorEngineVersions and DescribeOrderableDBInstanceOptions over
 * the account's catalogue, paged as AWS pages them.
 */
import { invalidCombination } from '../errors.js';
import { filters, filterValues, optBool, optStr } from '../input.js';
import type { Input, Output, Runtime } from '../runtime.js';
import { catalogOf } from './catalog.js';
import { classesFor, licenseModel, orderableRow, storageTypesFor } from './classes.js';
import { page } from './paging.js';
import { compareVersions, isAurora, LIFECYCLES, type VersionInfo } from './versions.js';

const DESCRIPTIONS: Record<string, string> = {
  'aurora-postgresql': 'Aurora (PostgreSQL)',
  'aurora-mysql': 'Aurora MySQL',
  postgres: 'PostgreSQL',
  mysql: 'MySQL Community Edition',
};

const byEngineThenVersion = (a: VersionInfo, b: VersionInfo) =>
  a.engine === b.engine ? compareVersions(a.version, b.version) : a.engine < b.engine ? -1 : 1;

function engineVersionOut(info: VersionInfo, all: VersionInfo[]): Output {
  const aurora = isAurora(info.engine);
  const later = all.filter((x) => x.engine === info.engine && compareVersions(x.version, info.version) > 0);
  return {
    Engine: info.engine,
    EngineVersion: info.version,
    MajorEngineVersion: info.major,
    DBParameterGroupFamily: info.family,
    DBEngineDescription: DESCRIPTIONS[info.engine] ?? info.engine,
    DBEngineVersionDescription: `${DESCRIPTIONS[info.engine] ?? info.engine} ${info.version}`,
    ValidUpgradeTarget: later.map((x) => ({
      Engine: x.engine,
      EngineVersion: x.version,
      IsMajorVersionUpgrade: x.major !== info.major,
      AutoUpgrade: false,
    })),
    ExportableLogTypes: info.engine.includes('postgres') ? ['postgresql'] : ['audit', 'error', 'general', 'slowquery'],
    SupportsLogExportsToCloudwatchLogs: true,
    SupportsReadReplica: true,
    SupportedEngineModes: ['provisioned'],
    SupportedFeatureNames: [...info.features],
    Status: 'available',
    SupportsParallelQuery: false,
    SupportsGlobalDatabases: info.supportsGlobalDatabases,
    SupportsBabelfish: info.features.includes('Babelfish'),
    SupportsLimitlessDatabase: false,
    SupportsCertificateRotationWithoutRestart: true,
    SupportedCACertificateIdentifiers: ['rds-ca-rsa2048-g1', 'rds-ca-ecc384-g1', 'rds-ca-rsa4096-g1'],
    SupportsLocalWriteForwarding: aurora,
    SupportsIntegrations: aurora,
    ...(aurora ? { ServerlessV2FeaturesSupport: { MinCapacity: info.minCapacityZero ? 0 : 0.5, MaxCapacity: 256 } } : {}),
  };
}

export function describeDBEngineVersions(rt: Runtime, input: Input): Output {
  const all = catalogOf(rt).versions;
  const fs = filters(input);
  const engine = optStr(input, 'Engine');
  const version = optStr(input, 'EngineVersion');
  const family = optStr(input, 'DBParameterGroupFamily');
  const defaultOnly = optBool(input, 'DefaultOnly') ?? false;
  const engines = filterValues(fs, 'engine');
  const versions = filterValues(fs, 'engine-version');
  const statuses = filterValues(fs, 'status');
  const list = all
    .filter(
      (x) =>
        (engine === undefined || x.engine === engine) &&
        (version === undefined || x.version === version || x.major === version) &&
        (family === undefined || x.family === family) &&
        (engines === undefined || engines.includes(x.engine)) &&
        (versions === undefined || versions.includes(x.version)) &&
        (statuses === undefined || statuses.includes('available')),
    )
    .sort(byEngineThenVersion);
  const chosen = defaultOnly ? onePerEngine(list, version) : list;
  const { items, marker } = page('DescribeDBEngineVersions', input, chosen, 100);
  return { DBEngineVersions: items.map((x) => engineVersionOut(x, all)), ...(marker ? { Marker: marker } : {}) };
}

/** DefaultOnly: each engine's default; with a major version, that major's newest (AWS's default of the major). */
function onePerEngine(list: VersionInfo[], version: string | undefined): VersionInfo[] {
  const engines = [...new Set(list.map((x) => x.engine))];
  return engines.map((engine) => {
    const mine = list.filter((x) => x.engine === engine);
    return version === undefined ? (mine.find((x) => x.isDefault) ?? mine[mine.length - 1]!) : mine[mine.length - 1]!;
  });
}

export function describeDBMajorEngineVersions(rt: Runtime, input: Input): Output {
  const engine = optStr(input, 'Engine');
  const major = optStr(input, 'MajorEngineVersion');
  const seen = new Map<string, { engine: string; major: string }>();
  for (const v of [...catalogOf(rt).versions].sort(byEngineThenVersion)) {
    if ((engine === undefined || v.engine === engine) && (major === undefined || v.major === major)) {
      seen.set(`${v.engine}/${v.major}`, { engine: v.engine, major: v.major });
    }
  }
  const { items, marker } = page('DescribeDBMajorEngineVersions', input, [...seen.values()], 100);
  return {
    DBMajorEngineVersions: items.map(({ engine: e, major: m }) => {
      const life = LIFECYCLES.find((l) => l.engine === e && l.major === m);
      return {
        Engine: e,
        MajorEngineVersion: m,
        ...(life
          ? {
              SupportedEngineLifecycles: [
                { LifecycleSupportName: 'open-source-rds-standard-support', LifecycleSupportStartDate: new Date(life.standard[0]), LifecycleSupportEndDate: new Date(life.standard[1]) },
                { LifecycleSupportName: 'open-source-rds-extended-support', LifecycleSupportStartDate: new Date(life.extended[0]), LifecycleSupportEndDate: new Date(life.extended[1]) },
              ],
            }
          : {}),
      };
    }),
    ...(marker ? { Marker: marker } : {}),
  };
}

export function describeOrderableDBInstanceOptions(rt: Runtime, input: Input, region: string): Output {
  const engine = optStr(input, 'Engine');
  if (!engine) invalidCombination('The parameter Engine must be provided.');
  const version = optStr(input, 'EngineVersion');
  const instanceClass = optStr(input, 'DBInstanceClass');
  const license = optStr(input, 'LicenseModel');
  const vpc = optBool(input, 'Vpc');
  const classFilter = filterValues(filters(input), 'db-instance-class');
  const rows: Output[] = [];
  const wanted = (cls: string) => (instanceClass === undefined || cls === instanceClass) && (classFilter === undefined || classFilter.includes(cls));
  // Every row is a VPC row; a license model the engine does not use matches nothing.
  if (vpc !== false && (license === undefined || license === licenseModel(engine))) {
    for (const info of catalogOf(rt).of(engine).filter((x) => version === undefined || x.version === version)) {
      for (const cls of classesFor(engine).filter(wanted)) {
        for (const storage of storageTypesFor(engine)) rows.push(orderableRow(engine, info.version, cls, storage, region));
      }
    }
  }
  const { items, marker } = page('DescribeOrderableDBInstanceOptions', input, rows, 1000);
  return { OrderableDBInstanceOptions: items, ...(marker ? { Marker: marker } : {}) };
}
