/**
 * Minimal .npz writer (uncompressed zip of NPY v1.0 files), readable by numpy.load and by
 * bench/peer/torch_peer.py. Same layout as bench/peer/dump_mnist_npz.cjs, in TypeScript.
 */
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';

type Typed = Float32Array | BigInt64Array | Int32Array | Uint8Array;

export function npy(typed: Typed, shape: number[]): Uint8Array {
  let descr: string;
  if (typed instanceof Float32Array) descr = '<f4';
  else if (typed instanceof BigInt64Array) descr = '<i8';
  else if (typed instanceof Int32Array) descr = '<i4';
  else descr = '|u1';
  const shp = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shp}, }`;
  // magic(6) + version(2) + len(2) + header + '\n' must be a multiple of 64
  const pad = (64 - ((10 + header.length + 1) % 64)) % 64;
  header = header + ' '.repeat(pad) + '\n';
  const out = new Uint8Array(10 + header.length + typed.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength), 10 + header.length);
  return out;
}

export function writeNpz(file: string, arrays: Record<string, { data: Typed; shape: number[] }>): void {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const [name, { data, shape }] of Object.entries(arrays)) files[`${name}.npy`] = [npy(data, shape), { level: 0 }];
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, zipSync(files));
}

/** Dump an app split ({x: Float32Array n×D, y: Int32Array}) as x_train/y_train/x_test/y_test. */
export function writeSplitNpz(
  file: string,
  train: { x: Float32Array; y: Int32Array; count: number },
  test: { x: Float32Array; y: Int32Array; count: number },
  dim: number,
): void {
  const i64 = (y: Int32Array, n: number) => BigInt64Array.from(y.subarray(0, n), (v) => BigInt(v));
  writeNpz(file, {
    x_train: { data: train.x.subarray(0, train.count * dim), shape: [train.count, dim] },
    y_train: { data: i64(train.y, train.count), shape: [train.count] },
    x_test: { data: test.x.subarray(0, test.count * dim), shape: [test.count, dim] },
    y_test: { data: i64(test.y, test.count), shape: [test.count] },
  });
}
