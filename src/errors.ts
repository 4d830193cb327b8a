/**
 * The one error hierarchy. Every error that reaches the user carries a stable code, a hint that says
 * what to do, and the exit code the CLI's top level turns it into. Nothing else calls process.exit.
 */

export const ExitCode = {
  ok: 0,
  checksFailed: 1,
  usage: 2,
  aws: 3,
  state: 4,
  localTarget: 5,
  internal: 70,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Extra lines (for example every problem in a lab file), printed one per line under the message. */
  details?: string[];
}

export abstract class AuroraLabError extends Error {
  abstract readonly code: string;
  abstract readonly exitCode: ExitCodeValue;
  readonly hint?: string;
  readonly details: string[];

  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.details = options.details ?? [];
  }
}

/** A lab file that does not parse or does not validate. */
export class LabFileError extends AuroraLabError {
  readonly code = 'LAB_INVALID';
  readonly exitCode = ExitCode.usage;
}

/** Bad command-line input: unknown lab, bad option value, missing --yes without a TTY. */
export class UsageError extends AuroraLabError {
  readonly code: string;
  readonly exitCode = ExitCode.usage;
  constructor(message: string, options: ErrorOptions & { code?: string } = {}) {
    super(message, options);
    this.code = options.code ?? 'USAGE';
  }
}

/**
 * The cost guard stopped a run before its first create: a class the price table does not know, or
 * one dearer than the lab's estimate assumed. Usage, because the way on is an option the learner
 * passes (--allow-class, --max-hourly); only read-only lookups were called, nothing was created.
 */
export class CostGuardError extends AuroraLabError {
  readonly code = 'COST_NOT_ALLOWED';
  readonly exitCode = ExitCode.usage;
}

/** AWS said no, or could not be reached: credentials, region, quota, a fault from an API call. */
export class AwsError extends AuroraLabError {
  readonly code: string;
  readonly exitCode = ExitCode.aws;
  /** The AWS error code (exception name), when AWS gave one. */
  readonly awsCode?: string;
  constructor(message: string, options: ErrorOptions & { code?: string; awsCode?: string } = {}) {
    super(message, options);
    this.code = options.code ?? 'AWS_ERROR';
    this.awsCode = options.awsCode;
  }
}

/** One or more checks of a lab did not pass. */
export class VerificationError extends AuroraLabError {
  readonly code = 'CHECKS_FAILED';
  readonly exitCode = ExitCode.checksFailed;
}

/** Run directories and their state: unknown run, run locked by another process, unreadable state. */
export class StateError extends AuroraLabError {
  readonly code: string;
  readonly exitCode = ExitCode.state;
  constructor(message: string, options: ErrorOptions & { code?: string } = {}) {
    super(message, options);
    this.code = options.code ?? 'STATE';
  }
}

/** The local target (server, PostgreSQL processes) could not do what was asked. */
export class LocalTargetError extends AuroraLabError {
  readonly code: string;
  readonly exitCode = ExitCode.localTarget;
  constructor(message: string, options: ErrorOptions & { code?: string } = {}) {
    super(message, options);
    this.code = options.code ?? 'LOCAL_TARGET';
  }
}

/** The user stopped the run (Ctrl-C, SIGTERM) or declined a confirmation. */
export class UserAbort extends AuroraLabError {
  readonly code = 'INTERRUPTED';
  readonly exitCode = ExitCode.interrupted;
}

/** A bug in aurora-lab itself. */
export class InternalError extends AuroraLabError {
  readonly code = 'INTERNAL';
  readonly exitCode = ExitCode.internal;
}

export function isAuroraLabError(err: unknown): err is AuroraLabError {
  return err instanceof AuroraLabError;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
