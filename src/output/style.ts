/**
 * Colour and spinner policy. chalk does not read NO_COLOR itself, so it is decided here once:
 * --no-color, NO_COLOR, FORCE_COLOR=0 or a non-TTY stream turn colour off.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export interface OutputSettings {
  json: boolean;
  color: boolean;
  debug: boolean;
  /** Spinners only on a TTY outside CI. */
  spinners: boolean;
}

export function outputSettings(opts: { json?: boolean; color?: boolean; debug?: boolean }): OutputSettings {
  const env = process.env;
  const noColor = opts.color === false || (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.FORCE_COLOR === '0' || !process.stderr.isTTY;
  return {
    json: opts.json === true,
    color: !noColor,
    debug: opts.debug === true,
    spinners: process.stderr.isTTY === true && !env.CI && !opts.json,
  };
}

export function makeChalk(settings: OutputSettings): ChalkInstance {
  return new Chalk({ level: settings.color ? 1 : 0 });
}
