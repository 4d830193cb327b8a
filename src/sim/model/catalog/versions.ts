/**
 * The engine versions the simulated account offers (DescribeDBEngineVersions) and the support
 * lifecycle of each major version (DescribeDBMajorEngineVersions). Data only; see catalog.ts.
 *
 * Versions are the ones AWS lists in late 2026, oldest first within an engine, as AWS lists them.
 * Serverless v2 MinCapacity 0 (auto-pause) follows AWS's documented minimums: Aurora MySQL 3.08.0 and
 * later, Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3 and later (every 17.x).
 */

export interface VersionInfo {
  engine: string;
  version: string;
  major: string;
  family: string;
  isDefault: boolean;
  /** Serverless v2 MinCapacity 0 (auto-pause); Aurora engines only. */
  minCapacityZero: boolean;
  supportsGlobalDatabases: boolean;
  /** SupportedFeatureNames. */
  features: string[];
}

export const ENGINES = ['aurora-postgresql', 'aurora-mysql', 'postgres', 'mysql'];

export function isAurora(engine: string): boolean {
  return engine.startsWith('aurora-');
}

/** The major version of a version string as RDS reports it (MajorEngineVersion). */
export function majorOf(engine: string, version: string): string {
  const parts = version.split('.');
  // PostgreSQL 10 and later: the first number; MySQL and Aurora MySQL: the first two ("8.0", "8.4").
  return engine.includes('postgres') ? parts[0]! : parts.slice(0, 2).join('.');
}

export function familyOf(engine: string, major: string): string {
  return `${engine}${major}`;
}

/** Compares dotted version strings number by number ("3.08.2" > "3.08.0", "16.10" > "16.9"). */
export function compareVersions(a: string, b: string): number {
  const na = (a.match(/\d+/g) ?? []).map(Number);
  const nb = (b.match(/\d+/g) ?? []).map(Number);
  for (let i = 0; i < Math.max(na.length, nb.length); i++) {
    const d = (na[i] ?? -1) - (nb[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** AWS's documented minimum versions for Serverless v2 MinCapacity 0. */
export function supportsMinCapacityZero(engine: string, version: string): boolean {
  if (engine === 'aurora-mysql') {
    const aurora = /mysql_aurora\.(\d+\.\d+\.\d+)/.exec(version)?.[1];
    // Aurora MySQL 8.4 and later carry the MySQL version itself, and are all newer than 3.08.
    return aurora ? compareVersions(aurora, '3.08.0') >= 0 : compareVersions(version, '8.4') >= 0;
  }
  if (engine === 'aurora-postgresql') {
    const minimum: Record<string, string> = { '13': '13.15', '14': '14.12', '15': '15.7', '16': '16.3' };
    const major = majorOf(engine, version);
    const min = minimum[major];
    return min ? compareVersions(version, min) >= 0 : Number(major) > 16;
  }
  return false;
}

export function featuresOf(engine: string): string[] {
  if (engine === 'aurora-postgresql') return ['Babelfish', 'Limitless', 's3Export', 's3Import', 'Lambda'];
  if (engine === 'aurora-mysql') return ['Bedrock', 'zero-etl'];
  return ['s3Import', 'Lambda'];
}

function versions(engine: string, list: string[], defaultVersion: string): VersionInfo[] {
  return list.map((version) => {
    const major = majorOf(engine, version);
    return {
      engine,
      version,
      major,
      family: familyOf(engine, major),
      isDefault: version === defaultVersion,
      minCapacityZero: supportsMinCapacityZero(engine, version),
      supportsGlobalDatabases: isAurora(engine),
      features: featuresOf(engine),
    };
  });
}

export const AWS_VERSIONS: VersionInfo[] = [
  ...versions(
    'aurora-postgresql',
    ['13.20', '13.21', '14.15', '14.17', '14.18', '14.19', '15.10', '15.12', '15.13', '15.14', '16.6', '16.8', '16.9', '16.10', '17.4', '17.5', '17.6'],
    '16.9',
  ),
  ...versions(
    'aurora-mysql',
    [
      '8.0.mysql_aurora.3.04.3',
      '8.0.mysql_aurora.3.04.4',
      '8.0.mysql_aurora.3.05.2',
      '8.0.mysql_aurora.3.06.1',
      '8.0.mysql_aurora.3.07.1',
      '8.0.mysql_aurora.3.08.0',
      '8.0.mysql_aurora.3.08.2',
      '8.0.mysql_aurora.3.09.0',
      '8.0.mysql_aurora.3.10.0',
      '8.4.7',
    ],
    '8.0.mysql_aurora.3.08.2',
  ),
  ...versions(
    'postgres',
    ['13.20', '13.21', '14.17', '14.18', '14.19', '15.12', '15.13', '15.14', '16.8', '16.9', '16.10', '17.4', '17.5', '17.6', '18.1'],
    '17.6',
  ),
  ...versions('mysql', ['8.0.40', '8.0.41', '8.0.42', '8.0.43', '8.4.4', '8.4.5', '8.4.6', '8.4.7'], '8.4.6'),
];

export interface MajorLifecycle {
  engine: string;
  major: string;
  /** ISO dates: [start, end] of standard support and of RDS Extended Support. */
  standard: [string, string];
  extended: [string, string];
}

const life = (engine: string, major: string, start: string, standardEnd: string, extendedEnd: string): MajorLifecycle => {
  const extendedStart = new Date(Date.parse(standardEnd) + 86_400_000).toISOString().slice(0, 10);
  return { engine, major, standard: [start, standardEnd], extended: [extendedStart, extendedEnd] };
};

/**
 * End dates from AWS's release calendars (RDS for PostgreSQL, RDS for MySQL, Aurora); start dates are
 * each major's first release on RDS, to the month. Aurora MySQL 8.4's end dates are not published in
 * the documentation available here: they are set to RDS for MySQL 8.4's.
 */
export const LIFECYCLES: MajorLifecycle[] = [
  life('aurora-postgresql', '13', '2021-08-26', '2026-02-28', '2029-02-28'),
  life('aurora-postgresql', '14', '2022-06-09', '2027-02-28', '2030-02-28'),
  life('aurora-postgresql', '15', '2023-07-13', '2028-02-29', '2031-02-28'),
  life('aurora-postgresql', '16', '2024-01-31', '2029-02-28', '2032-02-29'),
  life('aurora-postgresql', '17', '2024-11-18', '2030-02-28', '2033-02-28'),
  life('aurora-mysql', '8.0', '2021-11-18', '2028-04-30', '2031-04-30'),
  life('aurora-mysql', '8.4', '2026-06-01', '2029-07-31', '2032-07-31'),
  life('postgres', '13', '2021-02-24', '2026-02-28', '2029-02-28'),
  life('postgres', '14', '2022-02-03', '2027-02-28', '2030-02-28'),
  life('postgres', '15', '2023-02-27', '2028-02-29', '2031-02-28'),
  life('postgres', '16', '2023-11-17', '2029-02-28', '2032-02-29'),
  life('postgres', '17', '2024-11-18', '2030-02-28', '2033-02-28'),
  life('postgres', '18', '2025-11-18', '2031-02-28', '2034-02-28'),
  life('mysql', '8.0', '2018-10-23', '2026-07-31', '2029-07-31'),
  life('mysql', '8.4', '2024-08-22', '2029-07-31', '2032-07-31'),
];
