import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { checkImageLabelPair, readIdx, writeIdx } from '../../src-main/engine/datasets/idx';
import { LabError } from '../../src-shared/types';

function expectBad(fn: () => unknown, re: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).code).toBe('BAD_DATASET');
    expect((err as LabError).message).toMatch(re);
    return;
  }
  throw new Error('expected a BAD_DATASET error');
}

describe('IDX', () => {
  const images = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 7) % 256);
  const labels = Uint8Array.from([3, 1, 4]);

  it('writes the MNIST layout byte for byte', () => {
    const b = writeIdx([3, 4, 5], images);
    // magic 0x00000803, then big-endian dims 3, 4, 5
    expect(Array.from(b.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5]);
    expect(b.length).toBe(16 + 60);
    expect(Array.from(b.subarray(16))).toEqual(Array.from(images));
    const l = writeIdx([3], labels);
    expect(Array.from(l)).toEqual([0, 0, 8, 1, 0, 0, 0, 3, 3, 1, 4]);
  });

  it('round-trips, plain and gzipped', () => {
    for (const bytes of [writeIdx([3, 4, 5], images), gzipSync(writeIdx([3, 4, 5], images))]) {
      const r = readIdx(bytes, { expectDims: 3 });
      expect(r.type).toBe(0x08);
      expect(r.dims).toEqual([3, 4, 5]);
      expect(Array.from(r.data)).toEqual(Array.from(images));
    }
  });

  it('reads big-endian int and float types', () => {
    const b = new Uint8Array(4 + 4 + 8);
    const v = new DataView(b.buffer);
    b[2] = 0x0c;
    b[3] = 1;
    v.setUint32(4, 2);
    v.setInt32(8, -5);
    v.setInt32(12, 70000);
    expect(Array.from(readIdx(b).data)).toEqual([-5, 70000]);
    b[2] = 0x0d;
    v.setFloat32(8, 1.5);
    v.setFloat32(12, -0.25);
    expect(Array.from(readIdx(b).data)).toEqual([1.5, -0.25]);
  });

  it('rejects a wrong magic number', () => {
    const b = writeIdx([3], labels);
    b[0] = 0x12;
    expectBad(() => readIdx(b), /wrong magic/);
    expectBad(() => readIdx(new TextEncoder().encode('hello world, not idx')), /not an IDX file/);
  });

  it('rejects an unsupported element type', () => {
    const b = writeIdx([3], labels);
    b[2] = 0x07;
    expectBad(() => readIdx(b), /unsupported IDX element type 0x07/);
  });

  it('rejects the wrong dimension count for its use', () => {
    expectBad(() => readIdx(writeIdx([3], labels), { expectDims: 3 }), /expected 3 dimensions, found 1/);
    expectBad(() => readIdx(writeIdx([3, 4, 5], images), { expectDims: 1 }), /expected 1 dimension, found 3/);
  });

  it('rejects truncated data, a truncated header and truncated gzip', () => {
    const b = writeIdx([3, 4, 5], images);
    expectBad(() => readIdx(b.subarray(0, b.length - 1)), /truncated: expected 76 bytes .* found 75/);
    expectBad(() => readIdx(b.subarray(0, 10)), /header is truncated/);
    const gz = gzipSync(b);
    expectBad(() => readIdx(gz.subarray(0, gz.length - 12)), /gzip data is truncated or corrupt|truncated/);
  });

  it('rejects trailing garbage', () => {
    const b = writeIdx([3], labels);
    const longer = new Uint8Array(b.length + 2);
    longer.set(b);
    expectBad(() => readIdx(longer), /trailing/);
  });

  it('checks image/label count mismatch and shape', () => {
    const img = readIdx(writeIdx([3, 4, 5], images));
    expect(checkImageLabelPair(img, readIdx(writeIdx([3], labels)))).toBe(3);
    expectBad(() => checkImageLabelPair(img, readIdx(writeIdx([2], labels.subarray(0, 2))), { name: 'train' }), /train: 3 images but 2 labels/);
    expectBad(() => checkImageLabelPair(img, readIdx(writeIdx([3], labels)), { shape: [28, 28] }), /4×5, expected 28×28/);
  });
});
