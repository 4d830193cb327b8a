/** Lab files written inline by the loader's tests: a minimal valid head, and the problems a text has. */
import { expect } from 'vitest';
import { LabFileError } from '../../src/errors.js';
import { parseLab } from '../../src/labs/loader.js';

/** Everything a lab needs before its steps, with one connection `w`; the first step goes on line 10. */
export const LAB_HEAD = `name: t
title: T
level: beginner
engines: [aurora-postgresql]
summary: s
estimate: { minutes: 1 }
connections:
  w: { host: h, port: 1, user: u, database: d }
steps:
`;

/** The loader's problems with `source` as labs/x.yaml (none for a valid lab); any other error is rethrown. */
export function labFileProblems(source: string): string[] {
  try {
    parseLab(source, 'labs/x.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(LabFileError);
    return (err as LabFileError).details;
  }
  return [];
}
