/**
 * What the simulated control plane asks of a data plane. The dry run has none (statuses move on
 * timers alone); the local target plugs in real PostgreSQL processes (src/local) through this interface.
 * A status reaches "available" only after the matching promise resolves; a rejection leaves the
 * resource in a failed state ("failed" / "incompatible-parameters") as AWS does.
 */

/** Where a cluster, reader or instance endpoint listens: a host (name or IP literal) and its port. */
export interface Endpoint {
  address: string;
  port: number;
}

export interface ClusterSpec {
  clusterId: string;
  region: string;
  engine: string;
  engineVersion: string;
  /** The Port asked for (or the engine's default): every endpoint of the cluster listens on it where it is free. */
  port?: number;
  masterUsername: string;
  /** Plain text, from MasterUserPassword or the generated managed secret. Never logged. */
  masterPassword: string;
  databaseName?: string;
  /** Data for the cluster's first instance comes from this snapshot (RestoreDBClusterFromSnapshot). */
  fromSnapshot?: { snapshotId: string; kind: 'cluster' | 'instance' };
  /**
   * RestoreDBClusterToPointInTime: the cluster's volume is sourceClusterId's (same region) as it was at
   * restoreTime: every transaction committed by then, none after. The data plane builds that volume
   * before createCluster resolves (the cluster is "creating" meanwhile); its first instance serves it.
   */
  fromPointInTime?: { sourceClusterId: string; restoreTime: Date };
  iamAuth: boolean;
  /** ServerlessV2ScalingConfiguration; db.serverless instances scale (and pause) inside it. */
  serverless?: ServerlessScaling;
  /** Performance Insights switched on for the whole cluster (CreateDBCluster/ModifyDBCluster). */
  performanceInsights: boolean;
  /** This cluster is a secondary of a global database: its instances replicate from this cluster's writer. */
  globalPrimary?: { region: string; clusterId: string };
}

export interface ServerlessScaling {
  minCapacity: number;
  maxCapacity: number;
  /** Only with minCapacity 0: idle seconds (of the model's time scale) before the instance pauses. */
  secondsUntilAutoPause?: number;
}

/** The cluster settings a data plane acts on, sent again whenever ModifyDBCluster changes one of them. */
export interface ClusterSettings {
  iamAuth: boolean;
  serverless?: ServerlessScaling;
  performanceInsights: boolean;
}

/** The instance settings a data plane acts on, sent again whenever ModifyDBInstance changes one of them. */
export interface InstanceSettings {
  instanceClass: string;
  performanceInsights: boolean;
}

export interface InstanceSpec {
  instanceId: string;
  region: string;
  engine: string;
  instanceClass: string;
  /** The Port asked for, for a standalone instance (cluster instances listen on their cluster's). */
  port?: number;
  /** Absent for a standalone (non-Aurora) RDS instance. */
  clusterId?: string;
  /** The first instance of a cluster is its writer; later ones are readers. */
  role: 'writer' | 'reader';
  promotionTier: number;
  /** The DbiResourceId (Performance Insights is keyed by it). */
  resourceId: string;
  performanceInsights: boolean;
  /** Standalone instances only (cluster instances take these from the cluster). */
  masterUsername?: string;
  masterPassword?: string;
  databaseName?: string;
}

/** SwitchoverGlobalCluster / FailoverGlobalCluster: which secondary becomes the primary, and how. */
export interface GlobalSwitchRequest {
  from: { region: string; clusterId: string };
  to: { region: string; clusterId: string };
  /** The instance of `to` that becomes its writer (the model picks it, as for FailoverDBCluster). */
  newWriterId: string;
  /**
   * false (switchover): no acknowledged write is lost: writes stop on the old primary, `to` catches up,
   * then it is promoted. true (failover): `to` is promoted at once; what it had not received is lost.
   * Either way the old primary then replicates from the new one.
   */
  allowDataLoss: boolean;
}

/**
 * An engine version a data plane really runs, with what it implements of it: the model's catalogue
 * then offers these and only these (DescribeDBEngineVersions, and the versions a create accepts).
 */
export interface EngineVersionOffer {
  engine: string;
  /** As RDS spells it: "15.18" for PostgreSQL 15.18. */
  version: string;
  isDefault: boolean;
  /** Serverless v2 MinCapacity 0: the data plane pauses idle db.serverless instances. */
  minCapacityZero: boolean;
  supportsGlobalDatabases: boolean;
  /** SupportedFeatureNames: only features the data plane implements. */
  featureNames: string[];
}

export interface DataPlane {
  /** Allocate the cluster's endpoints (nothing runs until its first instance is created). */
  createCluster(spec: ClusterSpec): Promise<{ endpoint: Endpoint; readerEndpoint: Endpoint }>;
  /** Start the instance's database process; readers replicate from the cluster's writer. */
  createInstance(spec: InstanceSpec): Promise<{ endpoint: Endpoint }>;
  deleteInstance(instanceId: string): Promise<void>;
  deleteCluster(clusterId: string): Promise<void>;
  /** Make newWriterId the writer: promote it, re-point the other instances, move the cluster endpoint. */
  failover(clusterId: string, newWriterId: string): Promise<void>;
  rebootInstance(instanceId: string): Promise<void>;
  /** Copy a consistent data directory of the cluster's writer (kind cluster) or of an instance. */
  createSnapshot(kind: 'cluster' | 'instance', sourceId: string, snapshotId: string): Promise<void>;
  deleteSnapshot(snapshotId: string): Promise<void>;
  /** Change the master password (ModifyDBCluster MasterUserPassword / RotateMasterUserPassword). */
  setMasterPassword?(clusterOrInstanceId: string, password: string): Promise<void>;
  /** Apply changed cluster settings (IAM authentication, Serverless v2 range, Performance Insights). */
  configureCluster?(clusterId: string, settings: ClusterSettings): Promise<void>;
  /** Apply changed instance settings (class, Performance Insights). */
  configureInstance?(instanceId: string, settings: InstanceSettings): Promise<void>;
  /** Move a global database's primary role to one of its secondaries. */
  switchGlobalPrimary?(request: GlobalSwitchRequest): Promise<void>;
  /**
   * RemoveFromGlobalCluster of a secondary: cut its replication and make newWriterId its writer (none
   * when it has no instance yet), a standalone writable cluster.
   */
  detachGlobalSecondary?(clusterId: string, newWriterId: string | undefined): Promise<void>;
  /**
   * The engine versions this data plane runs. Without it the model offers AWS's catalogue; with it,
   * exactly these (an engine it does not run has no versions). Asked once, when the model first needs it.
   */
  engineVersions?(): EngineVersionOffer[];
}
