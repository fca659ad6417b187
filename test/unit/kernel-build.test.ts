/**
 * The dense kernels as a committed artefact: `dense.wasm` is a build of the committed `dense.c`
 * (its build record names the source's SHA-256; with clang present, rebuilding gives the same
 * bytes), the kernel table matches both the C prototypes and the module's exports, and the
 * engine finds the module where the build puts it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkKernelExports, kernelBuildInfo, kernelModule, readKernelFile } from '../../src-main/engine/kernels/dense/kernelModule';
import { DENSE_KERNELS, parsePrototype } from '../../src-main/engine/kernels/dense/kernelTable';

const ROOT = path.join(__dirname, '..', '..');
const DIR = path.join(ROOT, 'src-main', 'engine', 'kernels', 'dense');
const SOURCE = path.join(DIR, 'dense.c');
const MODULE = path.join(DIR, 'dense.wasm');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'll-kernel-build-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `EXPORT("name") ret name(params) {` in dense.c, as name → `ret (params)` with spaces normalised. */
function cPrototypes(): Map<string, string> {
  const src = readFileSync(SOURCE, 'utf8');
  const out = new Map<string, string>();
  for (const m of src.matchAll(/EXPORT\("(\w+)"\)\s*([\w\s*]+?)\s+(\w+)\s*\(([^)]*)\)\s*\{/g)) {
    expect(m[3], `EXPORT("${m[1]}") names the C function ${m[3]}`).toBe(m[1]);
    out.set(m[1], `${m[2]} (${m[4].replace(/\s+/g, ' ').trim()})`);
  }
  return out;
}

/** The compiler's `--version` line, or null when clang or wasm-ld is missing. */
function clangVersion(): string | null {
  const clang = process.env.CLANG || 'clang';
  if (spawnSync('wasm-ld', ['--version']).status !== 0) return null;
  const r = spawnSync(clang, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : null;
}

describe('dense kernels module', () => {
  it('the committed dense.wasm is a build of the committed dense.c', () => {
    const info = kernelBuildInfo(kernelModule());
    const sha = createHash('sha256').update(readFileSync(SOURCE)).digest('hex');
    expect(info?.source).toBe('dense.c');
    expect(info?.sha256, 'dense.c changed since dense.wasm was built: run `npm run build:kernels`').toBe(sha);
  });

  it('rebuilding dense.c gives the committed bytes', (ctx) => {
    const here = clangVersion();
    if (!here) return ctx.skip('clang and wasm-ld are not installed (Debian: apt-get install clang lld)');
    const built = kernelBuildInfo(kernelModule())!.compiler;
    if (here !== built) return ctx.skip(`dense.wasm was built by "${built}", this machine has "${here}": only the same compiler reproduces its bytes`);
    const out = path.join(tmp, 'dense.wasm');
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-kernels.cjs'), '--out', out], { stdio: 'pipe' });
    const rebuilt = readFileSync(out);
    const committed = readFileSync(MODULE);
    expect(rebuilt.length, 'run `npm run build:kernels` and commit dense.wasm').toBe(committed.length);
    expect(rebuilt.equals(committed), 'run `npm run build:kernels` and commit dense.wasm').toBe(true);
  });

  it('every EXPORT of dense.c has its prototype as a row of the kernel table, and nothing else does', () => {
    const inC = cPrototypes();
    expect([...inC.keys()].sort()).toEqual(Object.keys(DENSE_KERNELS).sort());
    for (const [name, proto] of Object.entries(DENSE_KERNELS)) {
      expect(proto.replace(/\s+/g, ' '), `kernelTable.ts row ${name}`).toBe(inC.get(name));
      expect(parsePrototype(name, proto).names.length).toBeGreaterThan(0);
    }
  });

  it('the module exports every kernel with the wasm types of its row; a row that drifts is refused by name', () => {
    const bytes = readFileSync(MODULE);
    expect(() => checkKernelExports(bytes)).not.toThrow();
    const drifted = { ...DENSE_KERNELS, col_sum: 'void (int M, int N, const f32 *dZ, f32 *db, f32 scale)' };
    expect(() => checkKernelExports(bytes, drifted)).toThrow(/col_sum is \(i32, i32, i32, i32\) → \(\) in the module but \(i32, i32, i32, i32, f32\) → \(\) in kernelTable.ts/);
    expect(() => checkKernelExports(bytes, { ...DENSE_KERNELS, recon_gaussian: 'void (int M, int D, f32 *L, const f32 *X, f32 scale)' })).toThrow(/recon_gaussian .* → \(f64\) in the module/);
    expect(() => checkKernelExports(bytes, { conv2d: 'void (int n)' })).toThrow(/conv2d is not exported/);
  });

  it('is found beside the bundle (out/main/kernels/) as well as beside the source, and a missing file is named', () => {
    const bundle = path.join(tmp, 'out', 'main');
    mkdirSync(path.join(bundle, 'kernels'), { recursive: true });
    mkdirSync(path.join(bundle, 'chunks'));
    copyFileSync(MODULE, path.join(bundle, 'kernels', 'dense.wasm'));
    const committed = readFileSync(MODULE);
    // Entries run from out/main/, shared code from out/main/chunks/.
    expect(Buffer.from(readKernelFile('dense.wasm', bundle)).equals(committed)).toBe(true);
    expect(Buffer.from(readKernelFile('dense.wasm', path.join(bundle, 'chunks'))).equals(committed)).toBe(true);
    expect(Buffer.from(readKernelFile('dense.wasm', DIR)).equals(committed)).toBe(true);
    expect(() => readKernelFile('dense.wasm', path.join(tmp, 'nowhere'))).toThrow(/dense kernels' module dense.wasm was not found \(looked in .*nowhere/);
  });
});
