/**
 * Writes the app's split as an .npz (uncompressed zip of NPY v1.0 files) for numpy.load and
 * bench/peer/torch_peer.py, with the NPY/NPZ writer of bench/peer/dump_mnist_npz.cjs.
 */
import { rowsF32, type RowValues } from '../../src-main/engine/datasets/rows';

type Typed = Float32Array | BigInt64Array | Int32Array | Uint8Array;

const { writeNpz } = require('../peer/dump_mnist_npz.cjs') as {
  writeNpz(file: string, arrays: Record<string, { data: Typed; shape: number[] }>): void;
};

/** Dump an app split ({x: n×D bytes or floats, y: Int32Array}) as x_train/y_train/x_test/y_test (x as float32 in [0, 1]). */
export function writeSplitNpz(
  file: string,
  train: { x: RowValues; y: Int32Array; count: number },
  test: { x: RowValues; y: Int32Array; count: number },
  dim: number,
): void {
  const i64 = (y: Int32Array, n: number) => BigInt64Array.from(y.subarray(0, n), (v) => BigInt(v));
  writeNpz(file, {
    x_train: { data: rowsF32(train.x, dim, 0, train.count), shape: [train.count, dim] },
    y_train: { data: i64(train.y, train.count), shape: [train.count] },
    x_test: { data: rowsF32(test.x, dim, 0, test.count), shape: [test.count, dim] },
    y_test: { data: i64(test.y, test.count), shape: [test.count] },
  });
}
