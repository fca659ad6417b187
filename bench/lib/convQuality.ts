/**
 * The conv models' quality goals (issue #13), in `npm run bench`'s quality section (not --quick):
 *  - the in-app classifier CNN (src-main/engine/classifier/): trained once on the embedded MNIST
 *    (the dataset folder the bench's Engine uses, so its runs find it cached): training time and
 *    test accuracy (goal ≥ 98.5 %);
 *  - conv VAE z = 2 (the Keras example), 30 epochs, batch 128, through the Engine: test −ELBO
 *    against the PyTorch peer (`--arch conv`) on the same split and architecture (goal +1 % at most);
 *  - conv CVAE z = 3 at the default training (epochs, batch): the fraction of its samples the
 *    in-app classifier labels as requested (the run's `generationAccuracy`; goal ≥ 99 %), with the
 *    run's Fréchet distance.
 */
import type { Engine } from '../../src-main/engine/engine';
import { ClassifierStore, type ClassifierEvent } from '../../src-main/engine/classifier/store';
import type { Classifier } from '../../src-main/engine/classifier/classifier';
import type { LoadedDataset } from '../../src-main/engine/datasets';
import { DatasetRef, TrainConfig, type RunSummary } from '../../src-shared/types';
import { runPeerLogged, type PeerResult } from './peer';
import { errMsg, log, round, sleep } from './util';

export interface ClassifierBenchResult {
  arch: string;
  testAccuracy: number | null;
  testCount: number;
  trainSeconds: number | null;
  epochs: number;
  workers: number;
  simd: string;
}

/** Trains (or reads) the in-app classifier of the embedded MNIST in `dataDir`, timed. */
export async function benchClassifier(dataDir: string, data: LoadedDataset): Promise<{ clf: Classifier; result: ClassifierBenchResult; store: ClassifierStore }> {
  let last = 0;
  const store = new ClassifierStore(dataDir, (e: ClassifierEvent) => {
    const p = e.progress;
    if (p && p.epoch !== last) {
      last = p.epoch;
      log(`  classifier epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(3)}, ${Math.round(p.samplesPerSecond)} samples/s`);
    }
  });
  const clf = await store.get(DatasetRef.parse({ id: 'mnist' }), data);
  if (!clf) throw new Error('the embedded MNIST has no classifier');
  const i = clf.info;
  const arch = `${i.layers.convs.map((c) => `Conv ${c.filters} ${c.kernel}×${c.kernel}/${c.stride}`).join(' → ')} → Dense ${i.layers.hidden.join('-')} → ${i.layers.classes}`;
  return {
    clf,
    store,
    result: { arch, testAccuracy: round(i.testAccuracy, 4), testCount: i.testCount, trainSeconds: round(i.trainSeconds, 1), epochs: i.training.epochs, workers: i.workers, simd: i.simd },
  };
}

export interface ConvQualityResult {
  vae: { epochs: number; ours: Record<'elbo' | 'recon' | 'kl' | 'seconds' | 'frechet', number | null>; torch: Record<'elbo' | 'recon' | 'kl', number | null> | null; torchNote?: string; relativeGap: number | null };
  cvae: { epochs: number; batchSize: number } & Record<'elbo' | 'generationAccuracy' | 'frechet' | 'classifierAccuracy' | 'seconds', number | null>;
}

async function train(engine: Engine, cfg: Record<string, unknown>): Promise<{ run: RunSummary; seconds: number }> {
  const t = performance.now();
  const { runId } = await engine.call('training:start', cfg);
  await engine.waitForTraining();
  const seconds = (performance.now() - t) / 1000;
  const find = async () => ((await engine.call('runs:list', {})) as RunSummary[]).find((r) => r.id === runId)!;
  let run = await find();
  if (run.state !== 'done') throw new Error(`run ${runId} ended ${run.state}`);
  // A run's end queues the classifier's numbers (runs:metricsUpdated patches the record): wait for them.
  const deadline = performance.now() + 15 * 60_000;
  while (run.metrics?.frechet == null && performance.now() < deadline) {
    await sleep(2000);
    run = await find();
  }
  if (run.metrics?.frechet == null) log(`  the classifier's numbers for ${runId} did not come within 15 minutes`);
  return { run, seconds };
}

/** Runs both conv goals on `engine` (its dataDir holding the classifier) and the peer on `npzFile`. */
export async function runConvQuality(engine: Engine, npzFile: string, opts: { epochs: number; torchWhyNot: string | null }): Promise<ConvQualityResult> {
  log(`conv quality: conv VAE z=2, ${opts.epochs} epochs, batch 128 (Engine)`);
  const vae = await train(engine, { model: { kind: 'vae', arch: 'conv', latentDim: 2 }, epochs: opts.epochs, batchSize: 128, seed: 1, name: 'bench conv VAE' });
  const vm = vae.run.metrics!;
  log(`  → ${vae.seconds.toFixed(0)} s, test −ELBO ${vm.elbo.toFixed(2)}`);
  let torch: PeerResult | null = null;
  let torchNote = opts.torchWhyNot ?? undefined;
  if (!opts.torchWhyNot) {
    try {
      torch = await runPeerLogged({ data: npzFile, model: 'vae', arch: 'conv', latent: 2, epochs: opts.epochs, batch: 128, seed: 1, torchThreads: 1, openblasThreads: 1 });
    } catch (err) {
      torchNote = `torch conv quality run failed: ${errMsg(err)}`;
      log(`  ${torchNote}`);
    }
  }
  const te = torch?.test ?? null;
  const defaults = TrainConfig.parse({});
  log(`conv quality: conv CVAE z=3 at the defaults (${defaults.epochs} epochs, batch ${defaults.batchSize})`);
  const cvae = await train(engine, { model: { kind: 'cvae', arch: 'conv', latentDim: 3 }, seed: 1, name: 'bench conv CVAE' });
  const cm = cvae.run.metrics!;
  log(`  → ${cvae.seconds.toFixed(0)} s, generation accuracy ${cm.generationAccuracy ?? 'n/a'}, Fréchet ${cm.frechet ?? 'n/a'}`);
  return {
    vae: {
      epochs: opts.epochs,
      ours: { elbo: round(vm.elbo, 2), recon: round(vm.recon, 2), kl: round(vm.kl, 2), seconds: round(vae.seconds, 0), frechet: round(vm.frechet, 2) },
      torch: te ? { elbo: round(te.elbo, 2), recon: round(te.recon, 2), kl: round(te.kl, 2) } : null,
      ...(torchNote ? { torchNote } : {}),
      relativeGap: te ? round((vm.elbo - te.elbo) / te.elbo, 4) : null,
    },
    cvae: {
      epochs: defaults.epochs,
      batchSize: defaults.batchSize,
      elbo: round(cm.elbo, 2),
      generationAccuracy: round(cm.generationAccuracy, 4),
      frechet: round(cm.frechet, 2),
      classifierAccuracy: round(cm.classifierAccuracy, 4),
      seconds: round(cvae.seconds, 0),
    },
  };
}
