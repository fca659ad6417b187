/**
 * `--out` as people type it: a quoted `~` (`--out "~/x"`, left alone by the shell) is the home
 * folder, not `<working folder>/~/x`; a control character in the destination (\x01) is refused in
 * words before anything is written (report N5).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCliPath } from '../../src-main/engine/datasets/ownPath';
import { runCli } from './cliOutput';
import { dataRef } from '../../src-main/cli/data';

let tmp: string;
const realHome = process.env.HOME;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-cli-out-path-'));
});
afterAll(() => {
  process.env.HOME = realHome;
  rmSync(tmp, { recursive: true, force: true });
});

describe('resolveCliPath', () => {
  it('~ is the home folder, a relative path is from the working folder, an absolute one is kept', () => {
    const o = { flag: '--out', destination: true, cwd: '/w/d', home: '/h/u' };
    expect(resolveCliPath('~/x', o)).toBe('/h/u/x');
    expect(resolveCliPath('~', o)).toBe('/h/u');
    expect(resolveCliPath('x/y', o)).toBe('/w/d/x/y');
    expect(resolveCliPath('./x', o)).toBe('/w/d/x');
    expect(resolveCliPath('/a/b/', o)).toBe('/a/b');
  });
  it('a destination with a control character is refused, naming it; ~user is refused as not expandable', () => {
    const o = { flag: '--out', destination: true, cwd: '/w/d', home: '/h/u' };
    expect(() => resolveCliPath('/tmp/a\x01b', o)).toThrow('--out "/tmp/a\\x01b" holds a control character (\\x01) at character 7, which would be written into a file or folder name: type the name again without it');
    expect(() => resolveCliPath('/tmp/a\nb', o)).toThrow('(\\x0a)');
    expect(() => resolveCliPath('~other/x', o)).toThrow('--out "~other/x" is not a full path');
    // Only destinations: a path read may hold one (such a file can exist).
    expect(resolveCliPath('/tmp/a\x01b', { ...o, destination: false })).toBe('/tmp/a\x01b');
  });
});

describe('--data and --preview-out take ~ as --out does', () => {
  it('a quoted "~/x" in --data is the home folder; a control character in --preview-out is refused before anything is written', async () => {
    const was = process.env.HOME;
    process.env.HOME = path.join(tmp, 'home-data');
    try {
      expect(dataRef({ data: '~/digits' })).toMatchObject({ id: 'local', path: path.join(tmp, 'home-data', 'digits') });
    } finally {
      process.env.HOME = was;
    }
    const cwd = path.join(tmp, 'cwd3');
    mkdirSync(cwd, { recursive: true });
    const r = await runCli(['inspect', '--dataset', 'toy-moons', '--preview-out', path.join(cwd, 'p\x01q')], { home: path.join(tmp, 'ws3'), cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--preview-out');
    expect(r.stderr).toContain('holds a control character (\\x01)');
    expect(readdirSync(cwd)).toEqual([]);
  }, 60_000);
});

describe('train --out on the command line', () => {
  it('--out "~/x" puts the run in the home folder, not in <working folder>/~/x', async () => {
    const home = path.join(tmp, 'home');
    const cwd = path.join(tmp, 'cwd');
    mkdirSync(home, { recursive: true });
    mkdirSync(cwd, { recursive: true });
    process.env.HOME = home; // the CLI's os.homedir(); runCli passes process.env on
    const r = await runCli(['train', '--model', 'vae', '--latent', '2', '--hidden', '8', '--epochs', '1', '--out', '~/tilde-run', '--json'], { home: path.join(tmp, 'ws'), cwd });
    process.env.HOME = realHome;
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(home, 'tilde-run', 'config.json'))).toBe(true);
    expect(existsSync(path.join(cwd, '~'))).toBe(false);
  }, 240_000);

  it('a control character in --out is refused with a plain message and nothing is written', async () => {
    const cwd = path.join(tmp, 'cwd2');
    mkdirSync(cwd, { recursive: true });
    const r = await runCli(['train', '--model', 'vae', '--latent', '2', '--epochs', '1', '--out', path.join(cwd, 'run\x01a')], { home: path.join(tmp, 'ws2'), cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`latent-lab: --out "${path.join(cwd, 'run\\x01a')}" holds a control character (\\x01)`);
    expect(readdirSync(cwd)).toEqual([]);
  }, 60_000);
});
