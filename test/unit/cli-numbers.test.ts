/**
 * Every numeric CLI flag says what it accepts, in the same words, from the settings' own schema:
 * `--latent 1` and `--epochs -3` (a fresh user got a raw zod message and parseArgs' "argument is
 * ambiguous") print "--latent must be an integer from 2 to 64, got "1"".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { num, parseCommandLine, UsageError } from '../../src-main/cli/args';
import { numberRange, NUMERIC_FLAGS } from '../../src-main/cli/numbers';
import { ModelConfig } from '../../src-shared/model';
import { TrainConfig } from '../../src-shared/training';
import { runCli } from './cliOutput';

const home = mkdtempSync(path.join(os.tmpdir(), 'll-cli-num-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('numeric flags', () => {
  it('each refuses a value just outside its range with one message naming the range', () => {
    for (const flag of NUMERIC_FLAGS) {
      const r = numberRange(flag)!;
      expect(r.min, flag).toBeDefined();
      const below = r.minInclusive ? r.min! - (r.int ? 1 : 0.5) : r.min!;
      expect(() => num(String(below), flag), flag).toThrow(UsageError);
      expect(() => num(String(below), flag), flag).toThrow(new RegExp(`^--${flag} must be an? (integer|number) .*, got "${below}"$`));
      expect(() => num('abc', flag), flag).toThrow(/must be/);
      // Its lowest accepted value passes.
      if (r.minInclusive) expect(num(String(r.min), flag)).toBe(r.min);
    }
  });

  it('the ranges are what the engine accepts (the schema decides, not a copy)', () => {
    expect(num('2', 'latent')).toBe(2);
    expect(() => num('1', 'latent')).toThrow('--latent must be an integer from 2 to 64, got "1"');
    expect(() => ModelConfig.parse({ latentDim: 1 })).toThrow();
    expect(() => TrainConfig.parse({ epochs: 10_001 })).toThrow();
    expect(() => num('10001', 'epochs')).toThrow('--epochs must be an integer from 1 to 10000, got "10001"');
    expect(() => num('0', 'lr')).toThrow('--lr must be a number > 0 and ≤ 100, got "0"');
    expect(() => num('2.5', 'epochs')).toThrow(/--epochs must be an integer/);
  });

  it('a negative number after a flag is its value, not a missing argument', () => {
    expect(parseCommandLine(['--epochs', '-3', '--beta', '-.5', '--json']).options).toMatchObject({ epochs: '-3', beta: '-.5', json: true });
    expect(() => parseCommandLine(['--epochs', '--json'])).toThrow();
  });

  it('the CLI prints the friendly line and exits 2', async () => {
    for (const [args, msg] of [
      [['--latent', '1'], '--latent must be an integer from 2 to 64, got "1"'],
      [['--epochs', '-3'], '--epochs must be an integer from 1 to 10000, got "-3"'],
    ] as const) {
      const r = await runCli(['train', ...args], { home });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([`latent-lab: ${msg} (see train --help)`]);
    }
    // An unknown option in our words, not node's parseArgs advice about positionals.
    const bogus = await runCli(['train', '--bogus', '3'], { home });
    expect(bogus.code).toBe(2);
    expect(bogus.stderr.trim()).toBe('latent-lab: unknown option --bogus (see train --help)');
  });
});
