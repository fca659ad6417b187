/**
 * The metrics of a run's end (`Trainer.finish`), without the in-app classifier: the latent
 * statistics of the training points (an AE's prior) and the test metrics (metrics.ts
 * `computeMetrics`). They run on the engine's thread (on the kernels, kernels/dense/bundleForward.ts;
 * on tfjs ops for models the kernels do not take), so for conv models they are bounded (measured
 * with bench/lib/finishTime.ts before the kernels ran them; docs/PERFORMANCE.md):
 *
 *  - the test split's ELBO pass is the last epoch's validation when the run completed its epochs
 *    (`lastVal`: `evaluate` of the same split with the same seed on the same final weights, so
 *    the very same numbers). It was ~80 % of a Keras-example conv VAE's end: its decoder's
 *    transposed convolutions run on tfjs wasm's plain-loop Conv2DBackpropInput kernel;
 *  - the training points encoded for the latent statistics and the k-NN metric: at most 20,000
 *    for dense models, 5,000 for conv ones (a 64×64×3 conv encoder costs ~36 MFLOP a point on
 *    tfjs, ~10 minutes for 20,000 on a loaded machine). The k-NN accuracy of a conv run is thus
 *    the 2,000 test points' vote among the first 5,000 training points, and an AE's prior the
 *    mean and spread of those 5,000 latents.
 * Dense results are as before: same points, same passes.
 *
 * The same training points' posterior means (at most `FIT_POINTS` of them, a seeded subsample)
 * get the fitted prior (../priorFit.ts, `RunRecord.fittedPrior`): a 10-component Gaussian
 * mixture, or 3 per label for a CVAE; 1–6 s for 5,000 16-D points (8–13 s when EM needs all
 * its iterations), on the engine's thread, yielding between EM iterations.
 *
 * Then the sample spread (../sampleSpread.ts, `Metrics.sampleSpread`), for every kind: 64 decoded
 * prior samples (a CVAE: 16 per label, up to 16 labels: 160 for 10 classes), and as many of the
 * fitted prior (`Metrics.sampleSpreadFitted`). Not timed; by its
 * FLOPs seconds for a 64×64×3 conv decoder on tfjs (≈ 36 MFLOP a sample), milliseconds for a dense one.
 */
import type { LossParts, Metrics, TrainConfig } from '../../../src-shared/types';
import type { LoadedDataset } from '../datasets';
import type { FittedPrior } from '../fittedPrior';
import { latentStats, type LatentStats } from '../inference';
import { computeMetrics, encodeYielding } from '../metrics';
import { sampleSpreads } from '../sampleSpread';
import type { ModelBundle } from '../models/build';
import { fitRunPrior } from '../priorFit';

/** Training points encoded at most at a run's end (latent statistics, k-NN), by architecture. */
export const END_TRAIN_POINTS = { dense: 20_000, conv: 5_000 } as const;

/**
 * Latent statistics, fitted prior and test metrics of `bundle` on `data`: `{ metrics, latentStats,
 * fittedPrior, trainPoints }` (`trainPoints`: training points encoded). `opts.lastVal`: the test split's losses at the
 * final weights (the last epoch's validation), reused instead of a second pass; `opts.signal`
 * aborts between passes (throws its reason); `opts.onPhase` names each finished pass (bench).
 */
export async function runEndMetrics(
  bundle: ModelBundle,
  data: Pick<LoadedDataset, 'train' | 'test'>,
  cfg: Pick<TrainConfig, 'seed' | 'model'>,
  opts: { lastVal?: LossParts; signal?: AbortSignal; onPhase?: (phase: string) => void } = {},
): Promise<{ metrics: Metrics; latentStats: LatentStats; fittedPrior: FittedPrior; trainPoints: number }> {
  // One pass over the training points serves the AE prior and the k-NN metric.
  const trainCount = Math.min(data.train.count, END_TRAIN_POINTS[cfg.model.arch === 'conv' ? 'conv' : 'dense']);
  const trainMean = await encodeYielding(bundle, data.train.x, data.train.y, trainCount);
  opts.onPhase?.('encodeTrain');
  opts.signal?.throwIfAborted();
  const stats = latentStats(trainMean, trainCount, cfg.model.latentDim);
  const fittedPrior = await fitRunPrior(bundle, trainMean, data.train.y, trainCount, cfg.seed);
  opts.onPhase?.('fittedPrior');
  const pre = { trainMean, trainCount, ...(opts.lastVal ? { testParts: opts.lastVal } : {}) };
  const metrics = await computeMetrics(bundle, data.train, data.test, cfg.seed, pre, opts);
  const spread = await sampleSpreads(bundle, data.train, cfg.seed, stats, fittedPrior);
  if (spread.standard !== undefined) metrics.sampleSpread = spread.standard;
  if (spread.fitted !== undefined) metrics.sampleSpreadFitted = spread.fitted;
  opts.onPhase?.('sampleSpread');
  opts.signal?.throwIfAborted();
  return { metrics, latentStats: stats, fittedPrior, trainPoints: trainCount };
}

