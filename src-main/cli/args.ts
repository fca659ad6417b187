/** The CLI's options (one `node:util` parseArgs table for every command) and argument errors. */
import { parseArgs } from 'node:util';
import { SAMPLE_PRIORS } from '../../src-shared/types';
import { numberRange, type NumberRange } from './numbers';

/** A wrong command line: exit code 2, and the message ends with "(see <command> --help)" (main.ts). */
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
  'lr-schedule': { type: 'string' },
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
  'gan-loss': { type: 'string' },
  'ema-decay': { type: 'string' },
  name: { type: 'string' },
  out: { type: 'string' },
  run: { type: 'string' },
  count: { type: 'string' },
  label: { type: 'string' },
  temperature: { type: 'string' },
  prior: { type: 'string' },
  split: { type: 'string' },
  format: { type: 'string' },
  overwrite: { type: 'boolean' },
} as const;

export interface ParsedArgs {
  options: Partial<{ [K in keyof typeof OPTIONS]: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string }>;
  positionals: string[];
}
export type Options = ParsedArgs['options'];

/** What a bare option (no value) is told when it has words of its own: the same as a wrong value. */
const NEEDS: Record<string, string> = { prior: `--prior must be one of ${SAMPLE_PRIORS.join(', ')}, got no value` };

/** `--flag -3` / `--flag=-3` alike: a negative number after an option taking a value is that value. */
const NEGATIVE_NUMBER = /^-(\d|\.\d|Infinity)/;

/**
 * The options and positional arguments after the command name. A negative number after an
 * option that takes a value is its value (`--epochs -3`), so that it gets the option's own range
 * message rather than parseArgs' "argument is ambiguous".
 * @throws UsageError "--out needs a value" for an option that takes a value and has none (last,
 *   or followed by another option); TypeError (code ERR_PARSE_ARGS_*) for an unknown option.
 */
export function parseCommandLine(args: string[]): ParsedArgs {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : '';
    const def = Object.hasOwn(OPTIONS, name) ? OPTIONS[name as keyof typeof OPTIONS] : undefined;
    if (def?.type === 'string' && i + 1 < args.length && NEGATIVE_NUMBER.test(args[i + 1])) {
      joined.push(`${args[i]}=${args[i + 1]}`);
      i++;
    } else if (def?.type === 'string' && (i + 1 === args.length || args[i + 1].startsWith('-'))) {
      throw new UsageError(name in NEEDS ? NEEDS[name] : `--${name} needs a value`);
    } else joined.push(args[i]);
  }
  const { values, positionals } = parseArgs({ args: joined, allowPositionals: true, strict: true, options: OPTIONS });
  return { options: values as Options, positionals };
}

/** "an integer from 2 to 64", "a number > 0 and ≤ 100": a range in words. */
function rangeText(r: NumberRange): string {
  const what = r.int ? 'an integer' : 'a number';
  if (r.min !== undefined && r.max !== undefined && r.minInclusive && r.maxInclusive) return `${what} from ${r.min} to ${r.max}`;
  const parts = [
    r.min !== undefined ? `${r.minInclusive ? '≥' : '>'} ${r.min}` : '',
    r.max !== undefined ? `${r.maxInclusive ? '≤' : '<'} ${r.max}` : '',
  ].filter(Boolean);
  return parts.length ? `${what} ${parts.join(' and ')}` : what;
}

/**
 * `--name`'s value as a number (undefined when not given), checked against the range the
 * settings' schema gives that flag (./numbers.ts, one table for every numeric flag).
 * @throws UsageError "--latent must be an integer from 2 to 64, got "1"" when it is not a number,
 *   not an integer (`int`, or the flag's schema says so), or out of range.
 */
export function num(v: string | undefined, name: string, int = false): number | undefined {
  if (v === undefined) return undefined;
  const r = numberRange(name) ?? { int, minInclusive: true, maxInclusive: true };
  const range = { ...r, int: r.int || int };
  const n = v.trim() === '' ? NaN : Number(v);
  const ok =
    Number.isFinite(n) &&
    (!range.int || Number.isInteger(n)) &&
    (range.min === undefined || (range.minInclusive ? n >= range.min : n > range.min)) &&
    (range.max === undefined || (range.maxInclusive ? n <= range.max : n < range.max));
  if (!ok) throw new UsageError(`--${name} must be ${rangeText(range)}, got "${v}"`);
  return n;
}
