/**
 * The kernels as committed artefacts: `dense.wasm` (plain SIMD) and `dense-relaxed.wasm`
 * (relaxed SIMD) are builds of the committed C sources (their build records name each source's
 * SHA-256; with clang ≥ 16 present, rebuilding gives the same bytes), the kernel table matches
 * both the C prototypes and each module's exports, the engine picks the relaxed build exactly
 * where the runtime validates it, and finds the modules where the build puts them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkKernelExports,
  defaultVariant,
  kernelBuildInfo,
  kernelModule,
  readKernelFile,
  relaxedSimdSupported,
  VARIANT_FILES,
  variantOf,
  type KernelVariant,
} from '../../src-main/engine/kernels/dense/kernelModule';
import { DENSE_KERNELS, parsePrototype } from '../../src-main/engine/kernels/dense/kernelTable';

const ROOT = path.join(__dirname, '..', '..');
const DIR = path.join(ROOT, 'src-main', 'engine', 'kernels', 'dense');
const MODULE = path.join(DIR, 'dense.wasm');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const build = require(path.join(ROOT, 'scripts', 'build-kernels.cjs')) as {
  findClang(): { clang: string; version: string } | null;
  SOURCES: string[];
};
const VARIANTS = Object.keys(VARIANT_FILES) as KernelVariant[];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'll-kernel-build-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `EXPORT("name") ret name(params) {` in the C sources, as name → `ret (params)` with spaces normalised. */
function cPrototypes(): Map<string, string> {
  const src = build.SOURCES.map((f) => readFileSync(path.join(DIR, f), 'utf8')).join('\n');
  const out = new Map<string, string>();
  for (const m of src.matchAll(/EXPORT\("(\w+)"\)\s*([\w\s*]+?)\s+(\w+)\s*\(([^)]*)\)\s*\{/g)) {
    expect(m[3], `EXPORT("${m[1]}") names the C function ${m[3]}`).toBe(m[1]);
    out.set(m[1], `${m[2]} (${m[4].replace(/\s+/g, ' ').trim()})`);
  }
  return out;
}

describe('dense kernels module', () => {
  for (const variant of VARIANTS) {
    it(`the committed ${VARIANT_FILES[variant]} is a ${variant} build of the committed C sources`, () => {
      const info = kernelBuildInfo(readKernelFile(VARIANT_FILES[variant]));
      expect(info?.variant).toBe(variant);
      for (const f of build.SOURCES) {
        const sha = createHash('sha256').update(readFileSync(path.join(DIR, f))).digest('hex');
        expect(info?.sources[f], `${f} changed since ${VARIANT_FILES[variant]} was built: run \`npm run build:kernels\``).toBe(sha);
      }
      expect(Object.keys(info?.sources ?? {}).sort()).toEqual([...build.SOURCES].sort());
    });
  }

  it('rebuilding the C sources gives the committed bytes of both modules', (ctx) => {
    const found = build.findClang();
    // The linker is there when clang links an empty wasm module (`-print-prog-name=wasm-ld` answers a
    // bare "wasm-ld" on Debian, whose linker is /usr/lib/llvm-16/bin/wasm-ld, off the PATH).
    const linked = found && spawnSync(found.clang, ['--target=wasm32', '-nostdlib', '-Wl,--no-entry', '-x', 'c', '-', '-o', path.join(tmp, 'probe.wasm')], { input: '' }).status === 0;
    if (!found || !linked) {
      return ctx.skip('clang ≥ 16 and its wasm-ld are not installed (Debian 12: apt-get install clang-16 lld-16)');
    }
    const built = kernelBuildInfo(readKernelFile())!.compiler;
    if (found.version !== built) return ctx.skip(`dense.wasm was built by "${built}", this machine has "${found.version}": only the same compiler reproduces its bytes`);
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-kernels.cjs'), '--out', tmp], { stdio: 'pipe' });
    for (const file of Object.values(VARIANT_FILES)) {
      const rebuilt = readFileSync(path.join(tmp, file));
      const committed = readFileSync(path.join(DIR, file));
      expect(rebuilt.length, `run \`npm run build:kernels\` and commit ${file}`).toBe(committed.length);
      expect(rebuilt.equals(committed), `run \`npm run build:kernels\` and commit ${file}`).toBe(true);
    }
  });

  it('the relaxed-SIMD build is used exactly where the runtime validates it; each build reports what it is', () => {
    const relaxedBytes = readKernelFile(VARIANT_FILES['relaxed-simd']);
    // The plain build validates everywhere; the relaxed one where relaxed SIMD is on.
    expect(WebAssembly.validate(readKernelFile(VARIANT_FILES.simd))).toBe(true);
    expect(relaxedSimdSupported()).toBe(WebAssembly.validate(relaxedBytes));
    expect(defaultVariant()).toBe(relaxedSimdSupported() ? 'relaxed-simd' : 'simd');
    expect(variantOf(kernelModule())).toBe(defaultVariant());
    expect(variantOf(kernelModule('simd'))).toBe('simd');
  });

  it('every EXPORT of the C sources has its prototype as a row of the kernel table, and nothing else does', () => {
    const inC = cPrototypes();
    expect([...inC.keys()].sort()).toEqual(Object.keys(DENSE_KERNELS).sort());
    for (const [name, proto] of Object.entries(DENSE_KERNELS)) {
      expect(proto.replace(/\s+/g, ' '), `kernelTable.ts row ${name}`).toBe(inC.get(name));
      expect(parsePrototype(name, proto).names.length).toBeGreaterThan(0);
    }
  });

  it('both modules export every kernel with the wasm types of its row; a row that drifts is refused by name', () => {
    for (const file of Object.values(VARIANT_FILES)) expect(() => checkKernelExports(readFileSync(path.join(DIR, file)))).not.toThrow();
    const bytes = readFileSync(MODULE);
    const drifted = { ...DENSE_KERNELS, col_sum: 'void (int M, int N, const f32 *dZ, f32 *db, f32 scale)' };
    expect(() => checkKernelExports(bytes, drifted)).toThrow(/col_sum is \(i32, i32, i32, i32\) → \(\) in the module but \(i32, i32, i32, i32, f32\) → \(\) in kernelTable.ts/);
    expect(() => checkKernelExports(bytes, { ...DENSE_KERNELS, recon_gaussian: 'void (int M, int D, f32 *L, const f32 *X, f32 scale)' })).toThrow(/recon_gaussian .* → \(f64\) in the module/);
    expect(() => checkKernelExports(bytes, { conv3d: 'void (int n)' })).toThrow(/conv3d is not exported/);
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
