/**
 * Writes the app's split as an .npz (uncompressed zip of NPY v1.0 files) for numpy.load and
 * bench/peer/torch_peer.py, with the NPY/NPZ writer of bench/peer/dump_mnist_npz.cjs.
 */
type Typed = Float32Array | BigInt64Array | Int32Array | Uint8Array;

const { writeNpz } = require('../peer/dump_mnist_npz.cjs') as {
  writeNpz(file: string, arrays: Record<string, { data: Typed; shape: number[] }>): void;
};

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
