/**
 * Times the synchronous pieces the engine runs between training steps / after training (each
 * blocks the engine's event loop for its whole duration): latent snapshot, final metrics parts.
 *   npx tsx bench/lib/probe_blocks.ts
 */
import os from 'node:os';
import path from 'node:path';
import { chooseBackend } from '../../src-main/engine/backend';
import { loadDataset } from '../../src-main/engine/datasets';
import { buildModel } from '../../src-main/engine/models/build';
import { encodeArrays, knnAccuracy, decodeArrays } from '../../src-main/engine/metrics';
import { TrainConfig } from '../../src-shared/types';
import { median } from './util';

async function main() {
  await chooseBackend({ LATENT_LAB_BACKEND: 'wasm' });
  const data = await loadDataset({ id: 'mnist' }, { dataDir: path.join(os.tmpdir(), 'latentlab-probe') });
  const out: Record<string, number> = {};
  for (const kind of ['vae', 'cvae'] as const) {
    const cfg = TrainConfig.parse({ model: { kind } });
    const b = buildModel({ config: cfg.model, inputDim: 784, numClasses: 10, output: 'bernoulli' }, 1);
    const t = (name: string, f: () => void, reps = 5) => {
      f();
      const xs: number[] = [];
      for (let i = 0; i < reps; i++) {
        const c0 = process.cpuUsage();
        f();
        const c = process.cpuUsage(c0);
        xs.push((c.user + c.system) / 1000);
      }
      out[`${kind} ${name} (cpu ms)`] = Math.round(median(xs) * 10) / 10;
    };
    t('encode test 2000 (snapshot)', () => encodeArrays(b, data.test.x, data.test.y, 2000));
    t('encode train 8000', () => encodeArrays(b, data.train.x, data.train.y, 8000));
    const tr = encodeArrays(b, data.train.x, data.train.y, 8000).mean;
    const te = encodeArrays(b, data.test.x, data.test.y, 2000).mean;
    t('knnAccuracy 2000 vs 8000, d=3', () => knnAccuracy(tr, data.train.y, 8000, te, data.test.y, 2000, 3, 5), 3);
    const z = new Float32Array(900 * 3);
    t('decode 900 (manifold 30x30)', () => decodeArrays(b, z, kind === 'cvae' ? new Int32Array(900) : null, 900));
  }
  console.log(JSON.stringify(out, null, 1));
}
main();
