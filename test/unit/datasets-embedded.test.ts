/**
 * The embedded MNIST digits (`resources/mnist/*.gz`, made by scripts/make-embedded-mnist.ts) and
 * how resources are found.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'fflate';
import { EMBEDDED_MNIST_FILES, loadEmbeddedMnist, splitRows, type EmbeddedMnist } from '../../src-main/engine/datasets/mnist';
import { writeIdx } from '../../src-main/engine/datasets/idx';
import { resolveResource, resourceDirCandidates } from '../../src-main/resources';
import { makeTemp, rmTemp } from '../fixtures/generate';
import { valuesF32 } from '../../src-main/engine/datasets/rows';

const sha = (a: ArrayBufferView): string =>
  createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

/**
 * The split as the app had it when it parsed the `mnist` package's JSON (floats with 3 decimals):
 * SHA-256 of each typed array (little-endian bytes). Pinned before the switch to IDX files.
 */
const JSON_ERA = {
  trainX: 'a3023316e022d598f5a9adca839de699fb12992e057c60defedc5088538104e0',
  trainY: 'a849d5f05b4fcd94e28d8b6a52170e7c3319c646a13299c74d690847ebd3fc93',
  testX: 'aa6e0626c947e693b17b6f2699e2741f19e8e844eaae92d1b3d53ab2b118f176',
  testY: '4e3773bac16dcb53b773042d5278e83bf5a0778be5d14c5637c8c29362badc86',
};
/** The split read from the IDX files (pixels byte / 255): labels and order as above. */
const IDX_ERA = {
  trainX: '5a974ef4e82e78f07d729c1e3c4ec3587158a9bb2b204c41f77db2764eff5fa5',
  testX: '2df09242d61823018703b84583ff7ac702c21765b32fb8ac24ee1dd98a10dc59',
};

let m: EmbeddedMnist;
let tmp: string;
beforeAll(async () => {
  m = await loadEmbeddedMnist();
  tmp = await makeTemp();
});
afterAll(async () => {
  await rmTemp(tmp);
});

describe('embedded MNIST split', () => {
  it('is the pinned 8,000 / 2,000 split: same labels and order as the JSON-era split, pixels byte / 255', () => {
    expect([m.train.count, m.test.count]).toEqual([8000, 2000]);
    expect(sha(m.train.y)).toBe(JSON_ERA.trainY);
    expect(sha(m.test.y)).toBe(JSON_ERA.testY);
    // The splits keep bytes; as model inputs (byte/255) they are the very floats of that era.
    expect(sha(valuesF32(m.train.x))).toBe(IDX_ERA.trainX);
    expect(sha(valuesF32(m.test.x))).toBe(IDX_ERA.testX);
  });

  it('rounded to 3 decimals, the pixels are exactly the JSON-era floats (same digits, same place)', () => {
    let worst = 0;
    const round3 = (x: Float32Array): Float32Array => {
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) {
        out[i] = Math.round(x[i] * 1000) / 1000;
        worst = Math.max(worst, Math.abs(x[i] - out[i]));
      }
      return out;
    };
    expect(sha(round3(valuesF32(m.train.x)))).toBe(JSON_ERA.trainX);
    expect(sha(round3(valuesF32(m.test.x)))).toBe(JSON_ERA.testX);
    expect(worst).toBeLessThan(0.0005);
  });

  it('splitRows is stratified, disjoint and covers every row', () => {
    const labels = Array.from({ length: 500 }, (_, i) => (i < 100 ? 0 : i < 400 ? 1 : 2));
    const { train, test } = splitRows(labels, 3, 100, 7);
    expect(train.length + test.length).toBe(500);
    expect(new Set([...train, ...test]).size).toBe(500);
    expect([0, 1, 2].map((c) => test.filter((r) => labels[r] === c).length)).toEqual([20, 60, 20]);
    expect(Array.from(splitRows(labels, 3, 100, 7).test)).toEqual(Array.from(test));
  });
});

describe('embedded MNIST files', () => {
  it('reports the resource it read from the repository checkout', () => {
    expect(m.source).toBe(path.resolve(__dirname, '../../resources/mnist', EMBEDDED_MNIST_FILES[0].name));
  });

  it('a missing, damaged or wrong file is a clear error', async () => {
    await expect(loadEmbeddedMnist({ dir: tmp })).rejects.toMatchObject({ code: 'BAD_DATASET', message: expect.stringMatching(/cannot be read.*reinstall/) });
    const real = path.resolve(__dirname, '../../resources/mnist');
    const [img, lbl] = EMBEDDED_MNIST_FILES.map((f) => f.name);
    await fsp.copyFile(path.join(real, img), path.join(tmp, img));
    // labels of the right shape whose content differs: caught by the SHA-256, before any split
    await fsp.writeFile(path.join(tmp, lbl), gzipSync(writeIdx([10000], new Uint8Array(10000))));
    await expect(loadEmbeddedMnist({ dir: tmp })).rejects.toMatchObject({
      code: 'BAD_DATASET',
      message: expect.stringContaining(`${lbl} is damaged`),
    });
    // truncated gzip
    const gz = await fsp.readFile(path.join(real, lbl));
    await fsp.writeFile(path.join(tmp, lbl), gz.subarray(0, gz.length - 10));
    await expect(loadEmbeddedMnist({ dir: tmp })).rejects.toMatchObject({ code: 'BAD_DATASET' });
  });
});

describe('resolveResource', () => {
  const roots = (over: Partial<Parameters<typeof resourceDirCandidates>[0]>) => ({ moduleDir: '/x/app/out/main/chunks', cwd: '/cwd', ...over });

  it('tries the packaged app, then resources/ above the code (source, out/main, out/main/chunks), then the cwd', () => {
    expect(resourceDirCandidates(roots({ resourcesPath: '/opt/lab/resources' }))).toEqual([
      '/opt/lab/resources/resources',
      '/opt/lab/resources/app.asar.unpacked/resources',
      '/x/app/out/main/resources',
      '/x/app/out/resources',
      '/x/app/resources',
      '/cwd/resources',
    ]);
    expect(resourceDirCandidates(roots({}))[0]).toBe('/x/app/out/main/resources');
  });

  it('returns the first place that has the file, and names every place when none has', async () => {
    const app = path.join(tmp, 'app');
    const packaged = path.join(tmp, 'packaged');
    await fsp.mkdir(path.join(app, 'out', 'main'), { recursive: true });
    await fsp.mkdir(path.join(app, 'resources', 'mnist'), { recursive: true });
    await fsp.writeFile(path.join(app, 'resources', 'mnist', 'a.gz'), 'a');
    const fromBuild = { moduleDir: path.join(app, 'out', 'main'), cwd: tmp, resourcesPath: packaged };
    expect(resolveResource('mnist/a.gz', fromBuild)).toBe(path.join(app, 'resources', 'mnist', 'a.gz'));
    await fsp.mkdir(path.join(packaged, 'resources', 'mnist'), { recursive: true });
    await fsp.writeFile(path.join(packaged, 'resources', 'mnist', 'a.gz'), 'b');
    expect(resolveResource('mnist/a.gz', fromBuild)).toBe(path.join(packaged, 'resources', 'mnist', 'a.gz'));
    let err: unknown;
    try {
      resolveResource('mnist/none.gz', fromBuild);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(path.join(app, 'resources')) });
    expect((err as Error).message).toContain(path.join(packaged, 'resources'));
  });

  it('finds the icon and the digits from the source tree', () => {
    expect(resolveResource('icon.png')).toBe(path.resolve(__dirname, '../../resources/icon.png'));
    expect(resolveResource(`mnist/${EMBEDDED_MNIST_FILES[1].name}`)).toContain(path.join('resources', 'mnist'));
  });
});
