/**
 * `latent-lab <command> --help` / `-h` prints that command's usage and exits 0 (it used to fail
 * with "Unknown option '--help'"), touching nothing: no workspace is made, no engine opened.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandUsage } from '../../src-main/cli/usage';
import { runCli } from './cliOutput';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'll-cli-help-'));
const home = path.join(tmp, 'lab');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Each command, a flag it takes (its help must name it) and how help is asked for. */
const CASES: [string, string, string[]][] = [
  ['info', '--json', ['--help']],
  ['inspect', '--preview-out', ['-h']],
  ['train', '--epochs', ['--help']],
  ['train', '--model', ['--model', 'vae', '-h']],
  ['generate', '--format', ['--help']],
  ['encode', '--run', ['-h']],
  ['embeddings', '--out', ['--help', '--bogus']],
];

describe('each command’s --help', () => {
  it.each(CASES)('%s %s: its usage on stdout, exit code 0', async (command, flag, ask) => {
    const r = await runCli([command, ...ask], { home });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`Usage: latent-lab ${command} [options]`);
    expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain('--workspace');
    // Only this command's entry: no other command's line.
    for (const other of ['info', 'inspect', 'train', 'generate', 'encode', 'embeddings'].filter((c) => c !== command)) {
      expect(r.stdout).not.toMatch(new RegExp(`^  ${other} `, 'm'));
    }
    expect(existsSync(home)).toBe(false);
  });

  it('help <command> prints the same usage; an unknown command still gets the full list', async () => {
    const r = await runCli(['help', 'generate'], { home });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(commandUsage('generate'));
    const bad = await runCli(['frobnicate', '--help'], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "frobnicate"[\s\S]*Commands:/);
  });
});
