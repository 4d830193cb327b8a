/**
 * The MySQL engine versions the local target offers for the model's catalogue (DataPlane.engineVersions).
 *
 * MariaDB (the version found, e.g. 10.11) stands in for both Aurora MySQL and RDS for MySQL: it speaks
 * the MySQL protocol, replicates by GTID, and has the performance_schema digests Performance Insights
 * reads. It is not MySQL 8.0, so each engine is offered at one real RDS version (both are in
 * src/sim/model/catalog/versions.ts) rather than at MariaDB's number: aurora-mysql
 * 8.0.mysql_aurora.3.08.2 (the default, Aurora MySQL 3, what the cluster labs get) and 8.4.7 (Aurora
 * MySQL 8.4), and mysql 8.4.7 (standalone RDS instances, the labs' migration sources: RDS for MySQL 8.0
 * left standard support on 2026-07-31, and an 8.4 snapshot restores only into Aurora MySQL 8.4).
 */
import type { EngineVersionOffer } from '../../../sim/data-plane.js';
import type { MariaBinaries } from './maria-binaries.js';

export const LOCAL_AURORA_MYSQL_VERSION = '8.0.mysql_aurora.3.08.2';
export const LOCAL_MYSQL_VERSION = '8.4.7';
export const LOCAL_AURORA_MYSQL_84_VERSION = '8.4.7';

/** `binaries` is what runs them: its presence is what makes them offered at all. */
export function mysqlEngineVersions(binaries: Pick<MariaBinaries, 'version'>): EngineVersionOffer[] {
  void binaries.version; // MariaDB <binaries.version> serves both; RDS has no version to name it by
  return [
    {
      engine: 'aurora-mysql',
      version: LOCAL_AURORA_MYSQL_VERSION,
      isDefault: true,
      // The serverless helper pauses an idle db.serverless instance at MinCapacity 0 (engine-neutral).
      minCapacityZero: true,
      supportsGlobalDatabases: true,
      // None of Aurora MySQL's optional features (Lambda, S3 import/export) is implemented locally.
      featureNames: [],
    },
    { engine: 'aurora-mysql', version: LOCAL_AURORA_MYSQL_84_VERSION, isDefault: false, minCapacityZero: true, supportsGlobalDatabases: true, featureNames: [] },
    { engine: 'mysql', version: LOCAL_MYSQL_VERSION, isDefault: true, minCapacityZero: false, supportsGlobalDatabases: false, featureNames: [] },
  ];
}
