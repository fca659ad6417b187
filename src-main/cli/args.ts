/** The CLI's options (one `node:util` parseArgs table for every command) and argument errors. */
import { parseArgs } from 'node:util';

/** A wrong command line: exit code 2, and the message ends with "(see --help)". */
export class UsageError extends Error {}

const OPTIONS = {
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  workspace: { type: 'string' },
  dataset: { type: 'string' },
  path: { type: 'string' },
  data: { type: 'string' },
  size: { type: 'string' },
  channels: { type: 'string' },
  fit: { type: 'string' },
  preprocess: { type: 'string' },
  transpose: { type: 'boolean' },
  'preview-out': { type: 'string' },
  model: { type: 'string' },
  latent: { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  beta: { type: 'string' },
  warmup: { type: 'string' },
  seed: { type: 'string' },
  hidden: { type: 'string' },
  arch: { type: 'string' },
  filters: { type: 'string' },
  likelihood: { type: 'string' },
  sigma: { type: 'string' },
  gamma: { type: 'string' },
  'pixel-weight': { type: 'string' },
  'disc-lr-scale': { type: 'string' },
  name: { type: 'string' },
  out: { type: 'string' },
  run: { type: 'string' },
  count: { type: 'string' },
  label: { type: 'string' },
  temperature: { type: 'string' },
  format: { type: 'string' },
  overwrite: { type: 'boolean' },
} as const;

export interface ParsedArgs {
  options: Partial<{ [K in keyof typeof OPTIONS]: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string }>;
  positionals: string[];
}
export type Options = ParsedArgs['options'];

/**
 * The options and positional arguments after the command name.
 * @throws TypeError (code ERR_PARSE_ARGS_*) for an unknown option or a missing value.
 */
export function parseCommandLine(args: string[]): ParsedArgs {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: OPTIONS });
  return { options: values as Options, positionals };
}

/**
 * `--name`'s value as a number (undefined when not given).
 * @throws UsageError when it is not a finite number (or not an integer when `int`).
 */
export function num(v: string | undefined, name: string, int = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n))) throw new UsageError(`--${name} must be ${int ? 'an integer' : 'a number'}, got "${v}"`);
  return n;
}
