/**
 * `latent-lab inspect`'s class table: the name column is as wide as the longest name but never
 * wider than 40 characters, so one very long class name (a folder name can be 255 bytes) no longer
 * pads every row to its width; a longer name is cut with `…`, a last line says how many were cut,
 * and `inspect --json` still lists every full name.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASS_NAME_COLUMN, classTable } from '../../src-main/cli/inspect';
import { makeFolderDataset, makeTemp, rmTemp } from '../fixtures/generate';
import { runCli } from './cliOutput';

const long = 'a-very-long-class-name-'.repeat(10).slice(0, 200);

describe('the class table', () => {
  it('short names: padded to the longest, nothing cut, no note', () => {
    expect(classTable([{ name: 'circle', train: 8, test: 2 }, { name: 'bar', train: 12, test: 3 }])).toEqual([
      '  name    train   test',
      '  circle      8      2',
      '  bar        12      3',
    ]);
  });

  it('a 200-character name: every row is at most 40 + the counts wide, the long name cut with …, a note names the way to the full names', () => {
    const lines = classTable([{ name: 'bar', train: 12, test: 3 }, { name: long, train: 8, test: 2 }]);
    const row = 2 + CLASS_NAME_COLUMN + 2 + 5 + 2 + 5;
    expect(lines.slice(0, 3).map((l) => l.length)).toEqual([row, row, row]);
    expect(lines[1]).toBe(`  ${'bar'.padEnd(40)}     12      3`);
    expect(lines[2]).toBe(`  ${long.slice(0, 39)}…      8      2`);
    expect(lines[3]).toBe("  (1 name cut to 40 characters; `inspect --json` lists every class's full name)");
  });

  it('never cuts a character in half (names counted in characters, not UTF-16 units)', () => {
    const emoji = '🐱'.repeat(50);
    const [, r] = classTable([{ name: emoji, train: 1, test: 1 }]);
    expect(r).toBe(`  ${'🐱'.repeat(39)}…      1      1`);
  });
});

describe('inspect on a folder with a 200-character class name', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTemp('ll-class-table-');
    await makeFolderDataset(path.join(root, 'data'), ['circle', long], 6);
  });
  afterAll(() => rmTemp(root));

  it('prints rows 40 characters wide; --json gives the full name', async () => {
    const data = path.join(root, 'data');
    const r = await runCli(['inspect', '--data', data], { home: path.join(root, 'home') });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('classes (2)'));
    expect(lines.slice(at + 1, at + 4).map((l) => l.length)).toEqual([56, 56, 56]);
    expect(r.stdout).toContain(`  ${long.slice(0, 39)}…`);
    expect(r.stdout).toContain('(1 name cut to 40 characters; `inspect --json` lists every class');
    const j = await runCli(['inspect', '--data', data, '--json'], { home: path.join(root, 'home') });
    expect(j.code, j.stderr).toBe(0);
    expect((JSON.parse(j.stdout) as { classes: { name: string }[] }).classes.map((c) => c.name).sort()).toEqual([long, 'circle'].sort());
  }, 60_000);
});
