/**
 * The README's "Command line" section, run as written: every `npm run cli -- …` line of its
 * ```sh blocks, in order, in a fresh folder (the user's checkout stand-in) with its own
 * LATENT_LAB_HOME elsewhere. Only `--epochs` is shortened (to 1; a train line without it gets
 * `--epochs 1`). A README example the CLI refuses fails here, so the two cannot drift apart.
 * Also the README's setup facts that a new user trips on: the Node version (equal to
 * package.json's `engines`) and a `.gitignore` covering the folders the examples create.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, promises as fs, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { runCli } from './cliOutput';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const cliMain = path.join(root, 'src-main', 'cli', 'main.ts');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** The `npm run cli -- …` argument lists of the ```sh blocks under `## <title>`. */
export function readmeCliLines(text: string, title: string): string[][] {
  const start = text.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no "## ${title}" section`);
  const next = text.indexOf('\n## ', start + 4);
  const section = text.slice(start, next < 0 ? undefined : next);
  const lines: string[][] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const raw of block[1]!.split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (!line) continue;
      const m = /^npm run cli -- (.*)$/.exec(line);
      if (!m) throw new Error(`not a CLI line: ${line}`);
      lines.push(m[1]!.split(/\s+/));
    }
  }
  return lines;
}

/** A train line with one epoch (the README's models are otherwise unchanged). */
function oneEpoch(args: string[]): string[] {
  if (args[0] !== 'train') return args;
  const i = args.indexOf('--epochs');
  return i < 0 ? [...args, '--epochs', '1'] : args.map((a, j) => (j === i + 1 ? '1' : a));
}

let cwd = '';
let home = '';
const cli = (args: string[]) => runCli(args, { home, cwd });

beforeAll(async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'll-readme-'));
  cwd = path.join(tmp, 'checkout');
  home = path.join(tmp, 'home', 'latent-lab');
  await fs.mkdir(cwd, { recursive: true });
  // The README's `encode … my-digit.png`: a drawn 1 (white ink on black, 28×28).
  const px = Buffer.alloc(28 * 28);
  for (let y = 5; y < 23; y++) for (let x = 13; x < 16; x++) px[y * 28 + x] = 255;
  await sharp(px, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(path.join(cwd, 'my-digit.png'));
});
afterAll(() => rmSync(path.dirname(cwd), { recursive: true, force: true }));

describe('README', () => {
  it('its Command line examples run as written (epochs shortened), in a plain folder', async () => {
    const lines = readmeCliLines(readme, 'Command line');
    expect(lines.length).toBeGreaterThanOrEqual(5);
    for (const args of lines) {
      const r = await cli(oneEpoch(args));
      const line = args.join(' ');
      expect({ line, code: r.code, stderr: r.stderr.slice(0, 600) }).toMatchObject({ line, code: 0 });
    }
    // What the examples promise is there: twenty sevens, the npz, the projector files.
    const sevens = path.join(cwd, 'sevens');
    const pngs = (await fs.readdir(sevens, { recursive: true })).filter((f) => String(f).endsWith('.png'));
    expect(pngs).toHaveLength(20);
    expect((await fs.readdir(path.join(cwd, 'gen'))).some((f) => f.endsWith('.npz'))).toBe(true);
    expect((await fs.readdir(path.join(cwd, 'projector'))).length).toBeGreaterThan(0);
    // The checkout folder did not become a workspace; the configured one holds no leftover runs.
    await expect(fs.access(path.join(cwd, 'datasets'))).rejects.toThrow();
  }, 900_000);

  it('states the Node version package.json requires', () => {
    const engines = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).engines?.node as string | undefined;
    expect(engines).toBeTruthy();
    expect(readme).toContain(`Node.js ${engines}`);
  });

  it('.gitignore covers the folders the README examples create in the checkout', () => {
    for (const args of readmeCliLines(readme, 'Command line')) {
      const out = args[args.indexOf('--out') + 1];
      if (!args.includes('--out') || !out) continue;
      const probe = path.join(out, 'probe.png');
      // `git check-ignore` exits 0 when the path is ignored (and throws otherwise).
      expect(() => execFileSync('git', ['check-ignore', '-q', '--no-index', probe], { cwd: root })).not.toThrow();
    }
  });
});
