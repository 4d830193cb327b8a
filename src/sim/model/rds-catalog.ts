/**
 * A small, realistic catalogue of engine versions and orderable instance classes
 * (DescribeDBEngineVersions, DescribeOrderableDBInstanceOptions), and the checks that use it.
 */
import { invalidCombination } from './errors.js';
import { filters, filterValues, optBool, optStr } from './input.js';
import type { Input, Output, Runtime } from './runtime.js';

interface VersionInfo {
  engine: string;
  version: string;
  major: string;
  family: string;
  isDefault?: boolean;
  /** Serverless v2 MinCapacity 0 (auto-pause) needs a recent enough version. */
  minCapacityZero: boolean;
}

const v = (engine: string, version: string, major: string, family: string, minZero: boolean, isDefault = false): VersionInfo => ({
  engine,
  version,
  major,
  family,
  isDefault,
  minCapacityZero: minZero,
});

export const VERSIONS: VersionInfo[] = [
  v('aurora-postgresql', '14.15', '14', 'aurora-postgresql14', true),
  v('aurora-postgresql', '15.10', '15', 'aurora-postgresql15', true),
  v('aurora-postgresql', '16.6', '16', 'aurora-postgresql16', true, true),
  v('aurora-postgresql', '17.4', '17', 'aurora-postgresql17', true),
  v('aurora-mysql', '8.0.mysql_aurora.3.05.2', '8.0', 'aurora-mysql8.0', false),
  v('aurora-mysql', '8.0.mysql_aurora.3.08.0', '8.0', 'aurora-mysql8.0', true, true),
  v('postgres', '15.10', '15', 'postgres15', false),
  v('postgres', '16.6', '16', 'postgres16', false, true),
  v('postgres', '17.4', '17', 'postgres17', false),
  v('mysql', '8.0.40', '8.0', 'mysql8.0', false),
  v('mysql', '8.4.4', '8.4', 'mysql8.4', false, true),
];

export const ENGINES = ['aurora-postgresql', 'aurora-mysql', 'postgres', 'mysql'];
const AURORA_CLASSES = ['db.t4g.medium', 'db.r6g.large', 'db.r7g.large', 'db.serverless'];
const RDS_CLASSES = ['db.t4g.micro', 'db.t4g.small', 'db.m6g.large'];

export function isAurora(engine: string): boolean {
  return engine.startsWith('aurora-');
}

export function defaultPort(engine: string): number {
  return engine.includes('mysql') ? 3306 : 5432;
}

export function defaultVersion(engine: string): VersionInfo | undefined {
  return VERSIONS.find((x) => x.engine === engine && x.isDefault);
}

export function findVersion(engine: string, version: string): VersionInfo | undefined {
  return VERSIONS.find((x) => x.engine === engine && x.version === version);
}

/** The version to use for an engine: the requested one (an exact or a major version) or the default. */
export function resolveVersion(engine: string, requested: string | undefined): VersionInfo {
  if (requested === undefined) return defaultVersion(engine)!;
  const exact = findVersion(engine, requested);
  if (exact) return exact;
  const byMajor = VERSIONS.filter((x) => x.engine === engine && x.major === requested);
  if (byMajor.length > 0) return byMajor[byMajor.length - 1]!;
  invalidCombination(`Cannot find version ${requested} for ${engine}`);
}

export function classesFor(engine: string): string[] {
  return isAurora(engine) ? AURORA_CLASSES : RDS_CLASSES;
}

export function checkOrderable(engine: string, version: string, instanceClass: string): void {
  if (!classesFor(engine).includes(instanceClass)) {
    invalidCombination(
      `RDS does not support creating a DB instance with the following combination: DBInstanceClass=${instanceClass}, Engine=${engine}, EngineVersion=${version}, LicenseModel=${licenseModel(engine)}. For supported combinations of instance class and database engine version, see the documentation.`,
    );
  }
}

function licenseModel(engine: string): string {
  return engine.includes('postgres') ? 'postgresql-license' : 'general-public-license';
}

function features(info: VersionInfo): string[] {
  if (info.engine === 'aurora-postgresql') return ['Babelfish', 'Limitless', 's3Export', 's3Import', 'Lambda'];
  if (info.engine === 'aurora-mysql') return ['Bedrock', 'zero-etl'];
  return ['s3Import', 'Lambda'];
}

function engineVersionOut(info: VersionInfo): Output {
  const aurora = isAurora(info.engine);
  const later = VERSIONS.filter((x) => x.engine === info.engine && x.version > info.version);
  return {
    Engine: info.engine,
    EngineVersion: info.version,
    MajorEngineVersion: info.major,
    DBParameterGroupFamily: info.family,
    DBEngineDescription: describeEngine(info.engine),
    DBEngineVersionDescription: `${describeEngine(info.engine)} ${info.version}`,
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
    SupportedFeatureNames: features(info),
    Status: 'available',
    SupportsParallelQuery: false,
    SupportsGlobalDatabases: aurora,
    SupportsBabelfish: info.engine === 'aurora-postgresql',
    SupportsLimitlessDatabase: false,
    SupportsCertificateRotationWithoutRestart: true,
    SupportedCACertificateIdentifiers: ['rds-ca-rsa2048-g1', 'rds-ca-ecc384-g1', 'rds-ca-rsa4096-g1'],
    SupportsLocalWriteForwarding: aurora,
    SupportsIntegrations: aurora,
    ...(aurora ? { ServerlessV2FeaturesSupport: { MinCapacity: info.minCapacityZero ? 0 : 0.5, MaxCapacity: 256 } } : {}),
  };
}

function describeEngine(engine: string): string {
  return (
    {
      'aurora-postgresql': 'Aurora (PostgreSQL)',
      'aurora-mysql': 'Aurora MySQL',
      postgres: 'PostgreSQL',
      mysql: 'MySQL Community Edition',
    } as Record<string, string>
  )[engine]!;
}

export function describeDBEngineVersions(_rt: Runtime, input: Input): Output {
  const fs = filters(input);
  const engine = optStr(input, 'Engine');
  const version = optStr(input, 'EngineVersion');
  const family = optStr(input, 'DBParameterGroupFamily');
  const defaultOnly = optBool(input, 'DefaultOnly') ?? false;
  const engines = filterValues(fs, 'engine');
  const versions = filterValues(fs, 'engine-version');
  const statuses = filterValues(fs, 'status');
  const list = VERSIONS.filter(
    (x) =>
      (engine === undefined || x.engine === engine) &&
      (version === undefined || x.version === version || x.major === version) &&
      (family === undefined || x.family === family) &&
      (engines === undefined || engines.includes(x.engine)) &&
      (versions === undefined || versions.includes(x.version)) &&
      (statuses === undefined || statuses.includes('available')),
  );
  // DefaultOnly with a major version returns that major's default, not the engine's.
  const result = defaultOnly ? onePerEngine(list, version) : list;
  return { DBEngineVersions: result.map(engineVersionOut) };
}

function onePerEngine(list: VersionInfo[], version: string | undefined): VersionInfo[] {
  const out: VersionInfo[] = [];
  for (const engine of ENGINES) {
    const mine = list.filter((x) => x.engine === engine);
    if (mine.length === 0) continue;
    out.push(version === undefined ? (mine.find((x) => x.isDefault) ?? mine[mine.length - 1]!) : mine[mine.length - 1]!);
  }
  return out;
}

export function describeOrderableDBInstanceOptions(_rt: Runtime, input: Input, region: string): Output {
  const engine = optStr(input, 'Engine');
  if (!engine) invalidCombination('The parameter Engine must be provided.');
  const version = optStr(input, 'EngineVersion');
  const instanceClass = optStr(input, 'DBInstanceClass');
  const vpc = optBool(input, 'Vpc');
  const fs = filters(input);
  const classFilter = filterValues(fs, 'db-instance-class');
  const azs = ['a', 'b', 'c'].map((s) => ({ Name: `${region}${s}` }));
  const out: Output[] = [];
  for (const info of VERSIONS.filter((x) => x.engine === engine && (version === undefined || x.version === version))) {
    for (const cls of classesFor(engine)) {
      if (instanceClass !== undefined && cls !== instanceClass) continue;
      if (classFilter !== undefined && !classFilter.includes(cls)) continue;
      if (vpc === false) continue;
      const aurora = isAurora(engine);
      out.push({
        Engine: engine,
        EngineVersion: info.version,
        DBInstanceClass: cls,
        LicenseModel: licenseModel(engine),
        AvailabilityZones: azs,
        MultiAZCapable: true,
        ReadReplicaCapable: true,
        Vpc: true,
        SupportsStorageEncryption: true,
        StorageType: aurora ? 'aurora' : 'gp3',
        SupportsIops: !aurora,
        SupportsEnhancedMonitoring: true,
        SupportsIAMDatabaseAuthentication: true,
        SupportsPerformanceInsights: cls !== 'db.t4g.micro',
        SupportedEngineModes: ['provisioned'],
        SupportsStorageAutoscaling: !aurora,
        SupportsKerberosAuthentication: true,
        OutpostCapable: false,
        SupportsGlobalDatabases: aurora && !cls.startsWith('db.t'),
        SupportsClusters: aurora,
        SupportedNetworkTypes: ['IPV4', 'DUAL'],
        ...(aurora ? {} : { MinStorageSize: 20, MaxStorageSize: 65536 }),
      });
    }
  }
  return { OrderableDBInstanceOptions: out };
}
