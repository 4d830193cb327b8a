/**
 * The AWS services aurora-lab talks to, and where their SDK v3 clients live. Loaded lazily:
 * `--help` and `list` must not pay for (or even load) the SDK.
 */
import type { SimService } from './types.js';

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
  rds: { pkg: '@aws-sdk/client-rds', clientName: 'RDSClient', signingName: 'rds', load: () => import('@aws-sdk/client-rds') },
  sts: { pkg: '@aws-sdk/client-sts', clientName: 'STSClient', signingName: 'sts', load: () => import('@aws-sdk/client-sts') },
  ec2: { pkg: '@aws-sdk/client-ec2', clientName: 'EC2Client', signingName: 'ec2', load: () => import('@aws-sdk/client-ec2') },
  'secrets-manager': {
    pkg: '@aws-sdk/client-secrets-manager',
    clientName: 'SecretsManagerClient',
    signingName: 'secretsmanager',
    load: () => import('@aws-sdk/client-secrets-manager'),
  },
  cloudwatch: {
    pkg: '@aws-sdk/client-cloudwatch',
    clientName: 'CloudWatchClient',
    signingName: 'monitoring',
    load: () => import('@aws-sdk/client-cloudwatch'),
  },
  pi: { pkg: '@aws-sdk/client-pi', clientName: 'PIClient', signingName: 'pi', load: () => import('@aws-sdk/client-pi') },
  tagging: {
    pkg: '@aws-sdk/client-resource-groups-tagging-api',
    clientName: 'ResourceGroupsTaggingAPIClient',
    signingName: 'tagging',
    load: () => import('@aws-sdk/client-resource-groups-tagging-api'),
  },
};

export const SERVICE_NAMES = Object.keys(SERVICES) as SimService[];
