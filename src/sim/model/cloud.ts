/**
 * SimCloud: a simulated AWS account (RDS, EC2, STS, Secrets Manager, CloudWatch and its Logs, IAM, PI,
 * tagging) that answers SDK operations with the SDK's member names and AWS's statuses and error codes.
 * See src/sim/SPEC.md for the behaviour.
 */
import { SimError, type SimCall, type SimService } from '../types.js';
import { cloudwatchHandlers } from './cloudwatch.js';
import { ec2Handlers, ensureRegionDefaults } from './ec2.js';
import { iamHandlers } from './iam.js';
import { logsHandlers } from './logs.js';
import { piHandlers } from './pi.js';
import { describeDBEngineVersions, describeDBMajorEngineVersions, describeOrderableDBInstanceOptions } from './rds-catalog.js';
import { clusterHandlers } from './rds-clusters.js';
import { globalHandlers } from './rds-global.js';
import { groupHandlers } from './rds-groups.js';
import { instanceHandlers } from './rds-instances.js';
import { restoreHandlers } from './rds-restore.js';
import { pitrHandlers } from './rds-pitr.js';
import { snapshotHandlers } from './rds-snapshots.js';
import { tagHandlers } from './rds-tags.js';
import { Runtime, type Handler, type SimCloudOptions } from './runtime.js';
import { secretsHandlers } from './secrets.js';
import { listSecretsHandlers } from './secrets-list.js';
import { emptyState, type DataPlaneFailure, type SimState } from './state.js';
import { stsHandlers } from './sts.js';
import { taggingHandlers } from './tagging.js';
import { advance } from './transitions.js';

export type { SimCloudOptions, SimDelays, SimQuotas, LogsProvider, MetricsProvider, MetricQuery, MetricSeries, PiProvider, PiQuery, PiDimensionKey } from './runtime.js';
export { DEFAULT_DELAYS, DEFAULT_QUOTAS } from './runtime.js';
export type { SimState } from './state.js';

export const DEFAULT_ACCOUNT_ID = '123456789012';

const HANDLERS: Record<SimService, Record<string, Handler>> = {
  rds: {
    ...clusterHandlers,
    ...instanceHandlers,
    ...snapshotHandlers,
    ...restoreHandlers,
    ...pitrHandlers,
    ...globalHandlers,
    ...groupHandlers,
    ...tagHandlers,
    DescribeDBEngineVersions: describeDBEngineVersions,
    DescribeDBMajorEngineVersions: describeDBMajorEngineVersions,
    DescribeOrderableDBInstanceOptions: describeOrderableDBInstanceOptions,
  },
  ec2: ec2Handlers,
  sts: stsHandlers,
  'secrets-manager': { ...secretsHandlers, ...listSecretsHandlers },
  cloudwatch: cloudwatchHandlers,
  pi: piHandlers,
  tagging: taggingHandlers,
  logs: logsHandlers,
  iam: iamHandlers,
};

/** Services on the Query protocol answer an unknown action with InvalidAction; JSON ones with UnknownOperationException. */
const QUERY_SERVICES = new Set<SimService>(['rds', 'ec2', 'sts', 'cloudwatch', 'iam']);

export class SimCloud {
  private rt: Runtime;
  private readonly options: SimCloudOptions;

  constructor(options: SimCloudOptions = {}) {
    this.options = options;
    this.rt = new Runtime(emptyState(options.accountId ?? DEFAULT_ACCOUNT_ID), options);
  }

  get accountId(): string {
    return this.rt.accountId;
  }

  /** The operations the model implements, per service. */
  static operations(service: SimService): string[] {
    return Object.keys(HANDLERS[service]).sort();
  }

  async call(call: SimCall): Promise<Record<string, unknown>> {
    const injected = this.options.inject?.(call);
    if (injected) throw injected;
    const handler = HANDLERS[call.service]?.[call.operation];
    if (!handler) {
      throw QUERY_SERVICES.has(call.service)
        ? new SimError('InvalidAction', `The action ${call.operation} is not valid for this web service.`, 400)
        : new SimError('UnknownOperationException', `Unknown operation ${call.operation}.`, 400);
    }
    const rt = this.rt;
    ensureRegionDefaults(rt, call.region);
    advance(rt);
    // A refused call changes nothing, even if the handler had started to.
    const before = JSON.stringify(rt.state);
    try {
      return await handler(rt, call.input ?? {}, call.region);
    } catch (err) {
      rt.state = JSON.parse(before) as SimState;
      throw err;
    }
  }

  /** Data-plane operations that failed (the resource went to "failed"), oldest first. */
  get failures(): DataPlaneFailure[] {
    return this.rt.state.failures.map((f) => ({ ...f }));
  }

  /** Resolves once every data-plane call started so far has settled. */
  idle(): Promise<void> {
    return this.rt.idle();
  }

  /**
   * The account as it is now, not a copy: for readers in this process that look after every call (the
   * local server's samplers and parameter applier), where a deep copy per call was the cost. Never
   * changed through it; toJSON() is the copy to keep.
   */
  peek(): Readonly<SimState> {
    return this.rt.state;
  }

  /** The whole account as plain JSON; pending transitions are data and continue after fromJSON. */
  toJSON(): SimState {
    return JSON.parse(JSON.stringify(this.rt.state)) as SimState;
  }

  static fromJSON(state: SimState, options: SimCloudOptions = {}): SimCloud {
    if (state?.version !== 1 || typeof state.accountId !== 'string') {
      throw new TypeError('Not a simulated account state (expected version 1 with an accountId).');
    }
    const sim = new SimCloud({ ...options, accountId: state.accountId });
    sim.rt.state = JSON.parse(JSON.stringify(state)) as SimState;
    return sim;
  }
}
