/**
 * Calibrates the VAE-GAN watch's duplicate-samples check (src-main/engine/jobs/ganHealth.ts,
 * `DUPLICATE_NEAREST`): for each run, the watch's own `HEALTH_SAMPLES` decoded prior samples (its
 * seeded z_p, seed + 4242) and as many training images (the spread's reference), each sample's
 * nearest-neighbour distance over the images' typical (median) nearest-neighbour distance, and the
 * share of samples under a few candidate thresholds.
 *   `npx tsx scripts/measure-duplicates.ts measure RUN_DIR…`: the saved models (any kind);
 *   `npx tsx scripts/measure-duplicates.ts train WORKSPACE '<training:start JSON>'`: trains through
 *     the Engine, printing the same figures at every VAE-GAN epoch end (the watch's own check), then
 *     measures the saved model.
 * Figures to stdout, one block per run/epoch.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../src-main/engine/backend';
import { mulberry32, permutation } from '../src-main/engine/datasets/random';
import { gatherRowsF32 } from '../src-main/engine/datasets/rows';
import { loadEmbeddedMnist } from '../src-main/engine/datasets/mnist';
import { Engine } from '../src-main/engine/engine';
import { drawPriorLatents } from '../src-main/engine/inference';
import { GanHealth, HEALTH_SAMPLES } from '../src-main/engine/jobs/ganHealth';
import { decodeArrays, type SplitData } from '../src-main/engine/metrics';
import { loadBundle } from '../src-main/engine/models/io';
import type { ModelBundle } from '../src-main/engine/models/build';
import { meanPairwiseDistance, nearestNeighbourDistances, typicalNearestDistance } from '../src-main/engine/sampleSpread';
import type { ModelConfig } from '../src-shared/types';

const THRESHOLDS = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6];

/** The figures of `samples` against `images` (both n × D). */
function figures(label: string, samples: Float32Array, images: Float32Array, n: number, D: number): void {
  const ref = typicalNearestDistance(images, n, D);
  const nn = Array.from(nearestNeighbourDistances(samples, n, D), (d) => d / ref).sort((a, b) => a - b);
  const spread = meanPairwiseDistance(samples, n, D) / meanPairwiseDistance(images, n, D);
  const shares = THRESHOLDS.map((t) => `${t}:${nn.filter((r) => r < t).length}`).join(' ');
  console.log(`${label}: data NN median ${ref.toFixed(2)}; spread ${spread.toFixed(3)}; samples under t×ref (count of ${n}) ${shares}`);
  console.log(`  sorted nn/ref: ${nn.map((r) => r.toFixed(2)).join(' ')}`);
}

/** The watch's draws for `seed` (GanHealth's constructor): z_p, then the training images' indices. */
function draws(seed: number, train: SplitData, latentDim: number, D: number) {
  const n = Math.min(HEALTH_SAMPLES, train.count);
  const rng = mulberry32(seed + 4242);
  const zp = drawPriorLatents(rng, n, latentDim, 1, null);
  const idx = permutation(train.count, rng).slice(0, n);
  return { n, zp, images: gatherRowsF32(train.x, D, idx, new Float32Array(n * D)) };
}

async function measure(dirs: string[]): Promise<void> {
  const m = await loadEmbeddedMnist();
  const train: SplitData = { x: m.train.x, y: m.train.y, count: m.train.y.length } as SplitData;
  for (const dir of dirs) {
    const rec = JSON.parse(await fs.readFile(path.join(dir, 'config.json'), 'utf8'));
    const config = rec.config.model as ModelConfig;
    const bundle = await loadBundle({ config, inputDim: rec.inputDim, numClasses: rec.numClasses, output: config.likelihood === 'gaussian' ? 'gaussian' : 'bernoulli' }, dir);
    for (const seed of [rec.config.seed, rec.config.seed + 1, rec.config.seed + 2]) {
      const { n, zp, images } = draws(seed, train, config.latentDim, rec.inputDim);
      figures(`${path.basename(dir)} (${config.kind} z${config.latentDim}, ${rec.config.epochs} ep) draw seed ${seed}`, decodeArrays(bundle, zp, null, n), images, n, rec.inputDim);
    }
  }
}

async function trainOne(workspace: string, json: string): Promise<void> {
  const cfg = JSON.parse(json);
  const m = await loadEmbeddedMnist();
  const train: SplitData = { x: m.train.x, y: m.train.y, count: m.train.y.length } as SplitData;
  // The same images as the watch's reference (its constructor's draws for the run's seed).
  const images = draws(cfg.seed ?? 1, train, cfg.model.latentDim, 784).images;
  const check = GanHealth.prototype.check;
  GanHealth.prototype.check = function (this: GanHealth, bundle: ModelBundle, epoch, tr, val) {
    const self = this as unknown as { zp: Float32Array; n: number };
    const h = check.call(this, bundle, epoch, tr, val);
    figures(`epoch ${epoch}`, decodeArrays(bundle, self.zp, null, self.n), images, self.n, bundle.inputDim);
    return h;
  };
  const engine = await Engine.create({ workspace, emit: () => undefined });
  const t0 = performance.now();
  const { runId } = await engine.call('training:start', cfg);
  await engine.waitForTraining();
  console.log(`trained ${runId} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  await measure([path.join(workspace, 'runs', runId)]);
  process.exit(0);
}
let imagesFor: Float32Array | null = null;

async function main(): Promise<void> {
  await initBackend();
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === 'measure') await measure(rest);
  else if (mode === 'train') await trainOne(rest[0], rest[1]);
  else throw new Error('usage: measure RUN_DIR… | train WORKSPACE JSON');
}

void main();
