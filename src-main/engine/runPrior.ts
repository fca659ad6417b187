/**
 * A loaded run's latents for generation from the prior a request names (`SamplePrior`):
 * 'standard' as before (inference.ts: N(0, T²·I); an AE's diagonal Gaussian of `latentStats`),
 * 'fitted' from the run's fitted prior (./fittedPrior.ts). A run saved before fitted priors
 * existed (or whose end did not fit one) gets it fitted here from its training data, once, and
 * saved in its record (`RunStore.patch`); a run still training gets one for its current weights,
 * kept in memory until the weights change. `withFittedSpread` gives such a run its
 * `Metrics.sampleSpreadFitted` the same way.
 */
import { LabError, type Metrics, type SamplePrior } from '../../src-shared/types';
import { mulberry32 } from './datasets/random';
import { sampleFittedPrior, type FittedPrior } from './fittedPrior';
import { priorSampler } from './inference';
import { END_TRAIN_POINTS } from './jobs/runEnd';
import { fitRunPrior } from './priorFit';
import { encodeYielding } from './metrics';
import type { LoadedRun, RunModel } from './runCache';
import type { RunStore } from './runs';
import { sampleSpreads } from './sampleSpread';

/** Fits in flight or done for runs that do not keep them in their record (training runs), by loaded run. */
const pending = new WeakMap<RunModel, { bundle: unknown; epochs: number; prior: Promise<FittedPrior> }>();

/**
 * The fitted prior of `lr`: its record's, else fitted now from its training split's posterior
 * means (as a run's end does, jobs/runEnd.ts) and, unless the run is training, saved with
 * `store.patch` (and in `lr.rec`).
 * @throws LabError UNSUPPORTED when the run's training data cannot give one (no training points,
 *   or none of the model's labels: the run must be retrained); DATA_MISSING when it has none saved
 *   and its data could not be loaded (`lr.dataError`, said in the message); IO when saving fails.
 */
export async function fittedPriorOf(lr: RunModel, store?: RunStore): Promise<FittedPrior> {
  if (lr.rec.fittedPrior) return lr.rec.fittedPrior;
  const hit = pending.get(lr);
  if (hit && hit.bundle === lr.bundle && hit.epochs === lr.rec.epochsDone) return hit.prior;
  const training = lr.rec.state === 'training' || lr.rec.state === 'paused';
  const prior = fitFromData(lr).then(async (fp) => {
    if (!training && lr.rec.state !== 'training' && lr.rec.state !== 'paused') {
      if (store) await store.patch(lr.rec.id, { fittedPrior: fp }, lr.rec);
      else lr.rec.fittedPrior = fp;
    }
    return fp;
  });
  pending.set(lr, { bundle: lr.bundle, epochs: lr.rec.epochsDone, prior });
  prior.catch(() => pending.delete(lr));
  return prior;
}

async function fitFromData(lr: RunModel): Promise<FittedPrior> {
  if (!lr.data) {
    // Sampling needs only the decoder, but this prior is fitted to the training data first.
    const why = lr.dataError?.message ?? 'its dataset could not be loaded.';
    throw new LabError(
      'DATA_MISSING',
      `Sampling from the fitted prior needs the run's training data: this run has no fitted prior saved yet (it is fitted to that data once, then saved with the run; the standard prior needs no data). ${why}`,
    );
  }
  const { train } = lr.data;
  const saved = lr.rec.fittedPrior === undefined ? 'was saved before fitted priors' : 'has no fitted prior';
  const why = (reason: string) =>
    new LabError('UNSUPPORTED', `this run ${saved} and its dataset “${lr.rec.config.dataset.id}” cannot give one (${reason}): retrain it, or use the standard prior`);
  if (train.count < 1) throw why('its training split is empty');
  const count = Math.min(train.count, END_TRAIN_POINTS[lr.rec.config.model.arch === 'conv' ? 'conv' : 'dense']);
  const z = await encodeYielding(lr.bundle, train.x, train.y, count);
  try {
    return await fitRunPrior(lr.bundle, z, train.y, count, lr.rec.config.seed);
  } catch (err) {
    throw why(err instanceof Error ? err.message : String(err));
  }
}

/**
 * A stream of latents for generation from run `lr`, deterministic for `seed`: each call gives the
 * next `labels.length` rows (count × d). 'standard': `priorSampler` (the exact draws as before);
 * 'fitted': `sampleFittedPrior` (row i from `labels[i]`'s mixture for a CVAE) at temperature T.
 * @throws LabError as `fittedPriorOf` (for 'fitted'), and INVALID_PAYLOAD when a CVAE's label had
 *   no training points to fit.
 */
export async function latentSampler(
  lr: RunModel,
  prior: SamplePrior,
  temperature: number,
  seed: number,
  store?: RunStore,
): Promise<(labels: Int32Array) => Float32Array> {
  const d = lr.rec.config.model.latentDim;
  if (prior === 'standard') {
    const next = priorSampler(d, temperature, seed, lr.rec.config.model.kind === 'ae' ? lr.rec.latentStats : null);
    return (labels) => next(labels.length);
  }
  const fp = await fittedPriorOf(lr, store);
  const rand = mulberry32(seed);
  return (labels) => {
    try {
      return sampleFittedPrior(rand, fp, labels, labels.length, temperature);
    } catch (err) {
      throw new LabError('INVALID_PAYLOAD', `${err instanceof Error ? err.message : String(err)}; use the standard prior for it`);
    }
  };
}

/**
 * The saved metrics of `lr` with `sampleSpreadFitted` (./sampleSpread.ts) for a run saved before
 * it was recorded: its fitted prior (`fittedPriorOf`: the record's, else fitted now and saved),
 * its samples' spread measured as a run's end measures it (the same seed, the same training
 * images: the same number), and the metrics saved with `store.patch` (else set in `lr.rec`).
 * Returns the metrics as they are then: unchanged when they have the number already, when the
 * run has none yet or is training (its end measures it), or when it cannot be measured (no
 * fitted prior can be had: that error is not thrown; fewer than 2 training images). Cost: the
 * fit when there was no prior (seconds, ./fittedPrior.ts), then 64 decoded samples (a CVAE: 16
 * per label). @throws LabError IO when saving fails.
 */
export async function withFittedSpread(lr: LoadedRun, store?: RunStore): Promise<Metrics | null> {
  const m = lr.rec.metrics;
  const training = () => lr.rec.state === 'training' || lr.rec.state === 'paused';
  if (!m || m.sampleSpreadFitted !== undefined || training()) return m;
  let fp;
  try {
    fp = await fittedPriorOf(lr, store);
  } catch {
    return lr.rec.metrics;
  }
  const { fitted } = await sampleSpreads(lr.bundle, lr.data.train, lr.rec.config.seed, lr.rec.latentStats ?? null, fp, { standard: false });
  const now = lr.rec.metrics;
  if (fitted === undefined || !now || training()) return now;
  // The record's metrics as they are now (another job may have added to them meanwhile).
  const metrics = { ...now, sampleSpreadFitted: fitted };
  if (store) await store.patch(lr.rec.id, { metrics }, lr.rec);
  else lr.rec.metrics = metrics;
  return metrics;
}
