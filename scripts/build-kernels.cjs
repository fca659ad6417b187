#!/usr/bin/env node
/**
 * Builds the training kernels (src-main/engine/kernels/dense/dense.c, gemm.c, conv.c) into two
 * WebAssembly modules, both committed (binary files) and read at run time
 * (kernels/dense/kernelModule.ts; the app build copies them to out/main/kernels/):
 *   dense.wasm          WebAssembly SIMD (every runtime the app supports)
 *   dense-relaxed.wasm  the same C with relaxed SIMD (fused multiply-add in the GEMM), loaded
 *                       where `WebAssembly.validate` accepts it (Electron; Node with
 *                       --experimental-wasm-relaxed-simd)
 *
 * Each module carries a custom section `latent-lab.build` (JSON: the variant, each source
 * file's SHA-256, the compiler's `--version` line), so a test can tell, without a compiler,
 * whether the committed modules are builds of the committed sources; with the same clang the
 * build is byte-for-byte reproducible, and test/unit/kernel-build.test.ts rebuilds and compares.
 *
 * Needs clang ≥ 16 and its wasm-ld (relaxed SIMD's final opcodes; Debian 12:
 * `apt-get install clang-16 lld-16`); whoever changes the C runs it: `npm run build:kernels`.
 * `--out DIR` writes the modules elsewhere (the test's rebuild); `CLANG=...` picks the compiler
 * (default: the newest clang-NN on PATH, else clang).
 */
const { execFileSync, spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const DIR = path.join(__dirname, '..', 'src-main', 'engine', 'kernels', 'dense');
/** The C sources, compiled together into each module. */
const SOURCES = ['dense.c', 'gemm.c', 'conv.c'];
/** The modules: file name and the flags that differ. */
const VARIANTS = [
  { variant: 'simd', file: 'dense.wasm', flags: [] },
  { variant: 'relaxed-simd', file: 'dense-relaxed.wasm', flags: ['-mrelaxed-simd'] },
];
/** Oldest clang that emits relaxed SIMD's final opcodes (clang 14's `f32x4.fma` is the prototype's). */
const MIN_CLANG = 16;
/** Name of the custom section that records what the module was built from. */
const BUILD_SECTION = 'latent-lab.build';

/** One shared memory imported from JS; SIMD; no libc; a stack of 64 KiB per thread (set by the caller). */
const FLAGS = [
  '--target=wasm32',
  '-O3',
  '-msimd128',
  '-mbulk-memory',
  '-matomics',
  '-mmutable-globals',
  '-nostdlib',
  '-fno-builtin',
  '-Wall',
  '-Werror',
  '-Wl,--no-entry',
  '-Wl,--import-memory',
  '-Wl,--shared-memory',
  '-Wl,--max-memory=4294967296',
  '-Wl,-z,stack-size=65536',
  '-Wl,--stack-first',
  '-Wl,--export=__stack_pointer',
];

/** Unsigned LEB128, as the wasm binary format writes sizes. */
function leb128(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return Buffer.from(out);
}

/** A wasm custom section (id 0) named `name` holding `payload`. */
function customSection(name, payload) {
  const nameBytes = Buffer.from(name, 'utf8');
  const body = Buffer.concat([leb128(nameBytes.length), nameBytes, payload]);
  return Buffer.concat([Buffer.from([0]), leb128(body.length), body]);
}

/** The `--version` line of `clang`, or null when it does not run. */
function versionLine(clang) {
  const r = spawnSync(clang, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout ? r.stdout.split('\n')[0].trim() : null;
}

/**
 * The compiler to build with: `$CLANG`, else the newest `clang-NN` (NN ≥ 16) on PATH, else
 * `clang`; null when none of them is a clang ≥ 16. Also used by the rebuild test.
 */
function findClang(env = process.env) {
  const candidates = env.CLANG ? [env.CLANG] : [...Array.from({ length: 10 }, (_, i) => `clang-${25 - i}`), 'clang'];
  for (const clang of candidates) {
    const line = versionLine(clang);
    const major = line && /version (\d+)\./.exec(line);
    if (major && Number(major[1]) >= MIN_CLANG) return { clang, version: line };
  }
  return null;
}

/** SHA-256 of each source, by file name. */
function sourceHashes() {
  return Object.fromEntries(SOURCES.map((f) => [f, createHash('sha256').update(fs.readFileSync(path.join(DIR, f))).digest('hex')]));
}

function main() {
  const argv = process.argv.slice(2);
  const outAt = argv.indexOf('--out');
  const outDir = outAt >= 0 ? path.resolve(argv[outAt + 1] ?? '') : DIR;
  const found = findClang();
  if (!found) {
    console.error(`build-kernels: needs clang ≥ ${MIN_CLANG} with wasm-ld (Debian 12: apt-get install clang-16 lld-16; or set CLANG)`);
    process.exit(1);
  }
  const sources = sourceHashes();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'll-kernels-'));
  try {
    for (const { variant, file, flags } of VARIANTS) {
      const wasm = path.join(tmp, file);
      execFileSync(found.clang, [...FLAGS, ...flags, '-o', wasm, ...SOURCES.map((f) => path.join(DIR, f))], { stdio: 'inherit' });
      const build = JSON.stringify({ variant, sources, compiler: found.version });
      const bytes = Buffer.concat([fs.readFileSync(wasm), customSection(BUILD_SECTION, Buffer.from(build, 'utf8'))]);
      const out = path.join(outDir, file);
      fs.writeFileSync(out, bytes);
      console.log(`wrote ${path.relative(process.cwd(), out)}: ${bytes.length} bytes (${variant}; ${found.version})`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

module.exports = { findClang, sourceHashes, SOURCES, VARIANTS, MIN_CLANG };
if (require.main === module) main();
