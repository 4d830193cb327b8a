/**
 * The DB instance classes AWS documents for each engine ("Supported DB engines for DB instance
 * classes", Aurora and RDS user guides), and the rows of DescribeOrderableDBInstanceOptions built
 * from them. Every class listed here is orderable with every version in versions.ts: the versions
 * listed are all recent enough for every class (the documented minimums are older).
 */
import { isAurora } from './versions.js';

const sizes = (family: string, list: string[]) => list.map((s) => `db.${family}.${s}`);
const UP_TO_16 = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'];
const UP_TO_24 = [...UP_TO_16, '24xlarge'];
const UP_TO_32 = [...UP_TO_24, '32xlarge'];
const UP_TO_48 = [...UP_TO_24, '48xlarge'];
const BURSTABLE = ['micro', 'small', 'medium', 'large', 'xlarge', '2xlarge'];

/** Aurora MySQL and Aurora PostgreSQL: memory-optimized, Optimized Reads, burstable, serverless. */
const AURORA_CLASSES = [
  'db.serverless',
  ...sizes('r5', UP_TO_24),
  ...sizes('r6g', UP_TO_16),
  ...sizes('r6gd', UP_TO_16.slice(1)),
  ...sizes('r6i', UP_TO_32),
  ...sizes('r6id', UP_TO_32.slice(1)),
  ...sizes('r7g', UP_TO_16),
  ...sizes('r7i', UP_TO_48),
  ...sizes('r8g', UP_TO_48),
  ...sizes('x2g', UP_TO_16),
  // Aurora offers only the medium and large burstable sizes.
  ...sizes('t3', ['medium', 'large']),
  ...sizes('t4g', ['medium', 'large']),
];

/** RDS for PostgreSQL and RDS for MySQL (the labs' migration sources): general purpose, memory-optimized, burstable. */
const RDS_CLASSES = [
  ...sizes('m5', UP_TO_24),
  ...sizes('m6g', UP_TO_16),
  ...sizes('m6i', UP_TO_32),
  ...sizes('m7g', UP_TO_16),
  ...sizes('r5', UP_TO_24),
  ...sizes('r6g', UP_TO_16),
  ...sizes('r6i', UP_TO_32),
  ...sizes('r7g', UP_TO_16),
  ...sizes('t3', BURSTABLE),
  ...sizes('t4g', BURSTABLE),
];

/** AWS lists the rows sorted by class name, as plain text ("db.r5.12xlarge" before "db.r5.2xlarge"). */
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function classesFor(engine: string): string[] {
  return [...(isAurora(engine) ? AURORA_CLASSES : RDS_CLASSES)].sort(byName);
}

/** Aurora: standard and I/O-Optimized storage. RDS: the EBS volume types. */
export function storageTypesFor(engine: string): string[] {
  return isAurora(engine) ? ['aurora', 'aurora-iopt1'] : ['gp2', 'gp3', 'io1', 'io2'];
}

export function licenseModel(engine: string): string {
  return engine.includes('postgres') ? 'postgresql-license' : 'general-public-license';
}

/**
 * Performance Insights: Aurora MySQL does not offer it on db.t3 (AWS's PI engine support table); RDS
 * for MySQL not on the micro and small burstable sizes. (On Aurora MySQL db.t4g.medium it runs, but
 * without automatic management of the Performance Schema: that is not a field of this API.)
 */
export function supportsPerformanceInsights(engine: string, cls: string): boolean {
  if (engine === 'aurora-mysql') return !cls.startsWith('db.t3.');
  if (engine === 'mysql') return !/^db\.t[34]g?\.(micro|small)$/.test(cls);
  return true;
}

/** Global database members: no burstable (db.t*) classes. */
export function supportsGlobalDatabases(engine: string, cls: string): boolean {
  return isAurora(engine) && !cls.startsWith('db.t');
}

export function orderableRow(engine: string, version: string, cls: string, storageType: string, region: string): Record<string, unknown> {
  const aurora = isAurora(engine);
  const provisionedIops = storageType === 'io1' || storageType === 'io2';
  return {
    Engine: engine,
    EngineVersion: version,
    DBInstanceClass: cls,
    LicenseModel: licenseModel(engine),
    AvailabilityZones: ['a', 'b', 'c'].map((s) => ({ Name: `${region}${s}` })),
    MultiAZCapable: true,
    ReadReplicaCapable: true,
    Vpc: true,
    SupportsStorageEncryption: true,
    StorageType: storageType,
    SupportsIops: provisionedIops || storageType === 'gp3',
    SupportsStorageThroughput: storageType === 'gp3',
    SupportsEnhancedMonitoring: true,
    SupportsIAMDatabaseAuthentication: true,
    SupportsPerformanceInsights: supportsPerformanceInsights(engine, cls),
    SupportedEngineModes: ['provisioned'],
    SupportsStorageAutoscaling: !aurora,
    SupportsKerberosAuthentication: true,
    OutpostCapable: false,
    SupportsGlobalDatabases: supportsGlobalDatabases(engine, cls),
    SupportsClusters: aurora,
    SupportedNetworkTypes: ['IPV4', 'DUAL'],
    ...(aurora ? {} : { MinStorageSize: 20, MaxStorageSize: 65536 }),
    ...(provisionedIops ? { MinIopsPerDbInstance: 1000, MaxIopsPerDbInstance: 256000, MinIopsPerGib: 0.5, MaxIopsPerGib: 1000 } : {}),
  };
}
