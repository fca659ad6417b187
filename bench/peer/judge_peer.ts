/**
 * The PyTorch peer's VAE and VAE-GAN judged as the app judges its runs (issue #15's goal, with
 * PyTorch's speed): each trained by bench/peer/torch_peer.py for the same wall-clock seconds on the
 * app's split of the embedded MNIST (torch 1 thread, OpenBLAS 1), its prior samples and test
 * reconstructions dumped (--dump), then judged by the in-app classifier CNN: the Fréchet distance
 * of as many prior samples as test images (2,000) to the test images in its features (the
 * engine's frechetOfSets, as Metrics.frechet) and the share of reconstructions it labels as the
 * original (as Metrics.reconAccuracy). Batches: a dense model's kind's DEFAULT_BATCH_SIZE (the
 * VAE-GAN's 64, the VAE's 256), as the app's; conv 128. Separates "the model and its settings reach the goal"
 * from "our training is fast enough to reach it in the budget".
 *
 *   npx tsx bench/peer/judge_peer.ts [--seconds 60 | --epochs N | --epochs V,G] [--arch dense|conv] [--kinds vae,vaegan]
 *        [--latent 3] [--seed 1] [--gamma G] [--pixel-weight W] [--disc-lr-scale S] [--hidden 512,256]
 *        [--bench-cache DIR] [--keep-dump DIR]
 *
 * The classifier is read from (or trained once into) --bench-cache (default
 * <tmpdir>/latentlab-bench-cache, as the bench's vaegan section). Prints one JSON line per model.
 * --epochs N trains each model for N epochs instead of a time budget (a comparison that the
 * machine's load does not move; a VAE-GAN epoch costs ≈ 2.5–3× a VAE's); --epochs V,G gives each kind
 * in --kinds its own count, in order (the bench's --vaegan-epochs: a budget's epochs for each kind).
 * --seed N seeds the peer's initialisation and shuffling (its runs are deterministic for a seed).
 * --keep-dump DIR keeps each model's dump (DIR/<kind>/generated.f32, recon.f32: 2,000 rows of
 * 784 float32 each) for a look at the images.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chooseBackend } from '../../src-main/engine/backend';
import { loadDataset } from '../../src-main/engine/datasets';
import { frechetOfSets } from '../../src-main/engine/classifier/frechet';
import { benchClassifier } from '../lib/convQuality';
import { writeSplitNpz } from '../lib/npz';
import { runPeerLogged } from '../lib/peer';
import { DEFAULT_BATCH_SIZE } from '../../src-shared/training';

const argv = process.argv.slice(2);
const opt = (k: string, d: string) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : d;
};
const num = (k: string) => (opt(k, '') === '' ? undefined : Number(opt(k, '')));

async function main(): Promise<void> {
  const arch = opt('arch', 'dense') as 'dense' | 'conv';
  const kinds = opt('kinds', 'vae,vaegan').split(',') as Array<'vae' | 'vaegan'>;
  const epochList = opt('epochs', '0').split(',').map(Number);
  if (epochList.some((e) => !Number.isInteger(e) || e < 0) || (epochList.length > 1 && epochList.length !== kinds.length)) {
    throw new Error(`--epochs: one whole number, or one per kind (${kinds.join(',')}); got "${opt('epochs', '')}"`);
  }
  const epochsOf = (i: number) => epochList[epochList.length > 1 ? i : 0];
  const seconds = epochList[0] > 0 ? 0 : Number(opt('seconds', '60'));
  const seed = Number(opt('seed', '1'));
  const cache = path.resolve(opt('bench-cache', path.join(os.tmpdir(), 'latentlab-bench-cache')));
  await chooseBackend({ LATENT_LAB_BACKEND: 'wasm' });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'latentlab-judge-'));
  try {
    const data = await loadDataset({ id: 'mnist' }, { dataDir: path.join(tmp, 'datasets') });
    const { clf } = await benchClassifier(cache, data);
    const npz = path.join(tmp, 'split.npz');
    writeSplitNpz(npz, data.train, data.test, data.inputDim);
    const n = data.test.count;
    const real = await clf.judge(data.test.x, n);
    for (const [i, kind] of kinds.entries()) {
      const epochs = epochsOf(i);
      const keep = opt('keep-dump', '');
      const dump = keep ? path.resolve(keep, kind) : path.join(tmp, kind);
      const r = await runPeerLogged({
        data: npz, model: kind, arch, latent: Number(opt('latent', '3')), batch: arch === 'conv' ? 128 : DEFAULT_BATCH_SIZE[kind], epochs: epochs > 0 ? epochs : 10_000, seconds, dump, seed,
        torchThreads: 1, openblasThreads: 1, gamma: num('gamma'), pixelWeight: num('pixel-weight'), discLrScale: num('disc-lr-scale'),
        hidden: opt('hidden', '') ? opt('hidden', '').split(',').map(Number) : undefined,
      });
      const read = (name: string) => new Float32Array(fs.readFileSync(path.join(dump, `${name}.f32`)).buffer.slice(0));
      const fake = await clf.judge(read('generated'), n);
      const rec = await clf.judge(read('recon'), n);
      let ok = 0;
      for (let i = 0; i < n; i++) if (rec.labels[i] === data.test.y[i]) ok++;
      const frechet = frechetOfSets(fake.features, n, real.features, n, clf.featureDim);
      console.log(JSON.stringify({
        kind, arch, seed, seconds, epochsRun: r.epochsRun, samplesSeen: r.samplesSeen, trainSeconds: r.trainSeconds, samplesPerSecond: r.samplesPerSecond,
        frechet: Math.round(frechet * 100) / 100, reconAccuracy: ok / n, testElbo: r.test?.elbo ?? null, gan: r.gan ?? null,
      }));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
