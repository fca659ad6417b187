#!/usr/bin/env node
/**
 * Builds the dense training kernels (src-main/engine/kernels/dense/dense.c) into the WebAssembly
 * module src-main/engine/kernels/dense/dense.wasm, which is committed (a binary file) and read
 * at run time (kernels/dense/kernelModule.ts; the build copies it to out/main/kernels/).
 *
 * The module carries a custom section `latent-lab.build` (JSON: the source file, its SHA-256,
 * the compiler's `--version` line), so a test can tell, without a compiler, whether the
 * committed module is a build of the committed source; with the same clang the build is
 * byte-for-byte reproducible, and test/unit/kernel-build.test.ts rebuilds it and compares.
 *
 * Needs clang and wasm-ld with the wasm32 target (Debian: `apt-get install clang lld`); whoever
 * changes dense.c runs it: `npm run build:kernels`. `--out FILE` writes elsewhere (the test's
 * rebuild); `CLANG=...` picks the compiler.
 */
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const DIR = path.join(__dirname, '..', 'src-main', 'engine', 'kernels', 'dense');
const SRC = path.join(DIR, 'dense.c');
const OUT = path.join(DIR, 'dense.wasm');
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

function main() {
  const argv = process.argv.slice(2);
  const outAt = argv.indexOf('--out');
  const out = outAt >= 0 ? path.resolve(argv[outAt + 1] ?? '') : OUT;
  const clang = process.env.CLANG || 'clang';
  const source = fs.readFileSync(SRC);
  const sha256 = createHash('sha256').update(source).digest('hex');
  const compiler = execFileSync(clang, ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'll-kernels-'));
  try {
    const wasm = path.join(tmp, 'dense.wasm');
    execFileSync(clang, [...FLAGS, '-o', wasm, SRC], { stdio: 'inherit' });
    const build = JSON.stringify({ source: 'dense.c', sha256, compiler });
    const bytes = Buffer.concat([fs.readFileSync(wasm), customSection(BUILD_SECTION, Buffer.from(build, 'utf8'))]);
    fs.writeFileSync(out, bytes);
    console.log(`wrote ${path.relative(process.cwd(), out)}: ${bytes.length} bytes from dense.c ${sha256.slice(0, 12)} (${compiler})`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main();
