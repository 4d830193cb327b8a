/**
 * Where a run's calls go. The engine runs the same steps on every target; what differs is reported
 * here as capabilities, never as `if (target === 'local')` inside a step.
 */
import type { AwsClients } from '../aws/clients.js';

export type TargetName = 'aws' | 'local' | 'dry-run';

export interface TargetCapabilities {
  /** Steps that set up EC2 networking (VPC, subnets, security group) are needed. */
  network: boolean;
  /** SQL, probes and anything that talks to a database can run. */
  sql: boolean;
  /** Waiter delays in seconds (AWS: the SDK's defaults when undefined). */
  waiterMinDelay?: number;
  waiterMaxDelay?: number;
  /** Multiplier on poll intervals (the dry run does not sleep). */
  pollScale: number;
  /** What this target cannot do yet: lab features listed here stop a run before it creates anything. */
  unsupported: string[];
}

export interface Target {
  name: TargetName;
  region: string;
  clients: AwsClients;
  capabilities: TargetCapabilities;
  /** PEM bundle used to verify database TLS (the RDS CA bundle, or the local target's CA). */
  caBundle(): Promise<string | undefined>;
  /** The learner's public address as a /32, for the security group's ingress rule (network targets). */
  callerCidr?(): Promise<string>;
  /** What making the target did that a learner should know (the local server was started, and where). */
  notice?: string;
  /** Persist whatever the target keeps between processes (the dry run's simulated account). */
  save(): Promise<void>;
  close(): Promise<void>;
}
