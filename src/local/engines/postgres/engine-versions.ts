/**
 * The engine versions the local target really runs, for the model's catalogue
 * (DataPlane.engineVersions): the PostgreSQL binaries found, as aurora-postgresql (the clusters) and
 * as postgres (standalone RDS instances, the labs' migration sources), each the default of its engine.
 * A lab's version lookup then picks what `select version()` answers.
 *
 * Aurora MySQL and RDS for MySQL are not listed: the local target runs PostgreSQL only, and offering
 * a version of an engine it cannot start would only move the refusal from the lookup to the create.
 */
import type { EngineVersionOffer } from '../../../sim/data-plane.js';
import type { PgBinaries } from './pg-binaries.js';

export function localEngineVersions(binaries: Pick<PgBinaries, 'version'>): EngineVersionOffer[] {
  return [
    {
      engine: 'aurora-postgresql',
      version: binaries.version,
      isDefault: true,
      // src/local/serverless/serverless-pause.ts stops an idle db.serverless instance at MinCapacity 0.
      minCapacityZero: true,
      // src/local/topology/global-replication.ts runs secondaries in other local regions.
      supportsGlobalDatabases: true,
      // None of Babelfish, Limitless, s3Import, s3Export, Lambda is implemented locally.
      featureNames: [],
    },
    { engine: 'postgres', version: binaries.version, isDefault: true, minCapacityZero: false, supportsGlobalDatabases: false, featureNames: [] },
  ];
}
