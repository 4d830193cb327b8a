/**
 * The AWS services aurora-lab talks to, and where their SDK v3 clients live. Loaded lazily:
 * `--help` and `list` must not pay for (or even load) the SDK.
 */
import { createRequire } from 'node:module';
import type { SimService } from './types.js';

// The clients are CommonJS bundles of several MB. require() compiles one straight away; import()
// first has Node sniff its format and scan it for named exports (cjs-module-lexer), which cost more
// than the compile itself for client-rds and client-ec2. Same module, same exports.
const requireClient = createRequire(import.meta.url);
const load = (pkg: string) => (): Promise<ClientModule> => Promise.resolve().then(() => requireClient(pkg) as ClientModule);

export type ClientModule = Record<string, unknown>;

export interface ServiceInfo {
  /** The client package. */
  pkg: string;
  /** The exported client class name. */
  clientName: string;
  /** SigV4 signing name, used by the local server to route a request. */
  signingName: string;
  load(): Promise<ClientModule>;
}

export const SERVICES: Record<SimService, ServiceInfo> = {
  rds: { pkg: '@aws-sdk/client-rds', clientName: 'RDSClient', signingName: 'rds', load: load('@aws-sdk/client-rds') },
  sts: { pkg: '@aws-sdk/client-sts', clientName: 'STSClient', signingName: 'sts', load: load('@aws-sdk/client-sts') },
  ec2: { pkg: '@aws-sdk/client-ec2', clientName: 'EC2Client', signingName: 'ec2', load: load('@aws-sdk/client-ec2') },
  'secrets-manager': {
    pkg: '@aws-sdk/client-secrets-manager',
    clientName: 'SecretsManagerClient',
    signingName: 'secretsmanager',
    load: load('@aws-sdk/client-secrets-manager'),
  },
  cloudwatch: {
    pkg: '@aws-sdk/client-cloudwatch',
    clientName: 'CloudWatchClient',
    signingName: 'monitoring',
    load: load('@aws-sdk/client-cloudwatch'),
  },
  logs: {
    pkg: '@aws-sdk/client-cloudwatch-logs',
    clientName: 'CloudWatchLogsClient',
    signingName: 'logs',
    load: load('@aws-sdk/client-cloudwatch-logs'),
  },
  iam: { pkg: '@aws-sdk/client-iam', clientName: 'IAMClient', signingName: 'iam', load: load('@aws-sdk/client-iam') },
  pi: { pkg: '@aws-sdk/client-pi', clientName: 'PIClient', signingName: 'pi', load: load('@aws-sdk/client-pi') },
  tagging: {
    pkg: '@aws-sdk/client-resource-groups-tagging-api',
    clientName: 'ResourceGroupsTaggingAPIClient',
    signingName: 'tagging',
    load: load('@aws-sdk/client-resource-groups-tagging-api'),
  },
};

export const SERVICE_NAMES = Object.keys(SERVICES) as SimService[];
