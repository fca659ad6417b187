/**
 * Batched evaluation and latent-space metrics: test negative ELBO (single-sample estimate with a
 * fixed seed) split into recon and KL, the mean KL of each latent dimension, active units, and
 * k-NN label accuracy in latent space.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossParts, Metrics } from '../../src-shared/types';
import { flopsPerSample, isConditional, oneHot, type ModelBundle, type ModelSpec } from './models/build';
import { gaussianSigma } from './models/likelihood';
import { forwardLoss, reconPerSample } from './models/loss';

export interface SplitData {
  x: Float32Array;
  y: Int32Array;
  count: number;
}

/** Rows per forward pass in evaluation; small enough that one pass never holds the event loop long. */
export const EVAL_BATCH = 200;

/** Input floats per encode/decode pass: 4,096 MNIST rows, ~170 rows of 64×64×3. */
export const PASS_FLOATS = 2 ** 21;

/**
 * Rows per tfjs pass over samples of `inputDim` values: up to 4,096, fewer for large samples, so
 * one pass's tensors (input, conv activations) stay ~tens of MB — the wasm heap keeps its largest
 * size for good (a 4,096-row pass of a 64×64×3 conv model would hold ~1 GB).
 */
export function rowsPerPass(inputDim: number): number {
  return Math.max(16, Math.min(4096, Math.floor(PASS_FLOATS / Math.max(1, inputDim))));
}

/**
 * FLOPs one yielding pass of a conv model may cost on the engine's thread: tfjs's wasm conv
 * kernels run at ≈ 1.6 GFLOP/s here (a 200-row validation pass of the Keras-example conv VAE
 * took ≈ 1.7 CPU-s and held every request that long), so 40 MFLOP ≈ 25 ms.
 */
export const CONV_PASS_FLOPS = 40e6;

/**
 * Rows per yielding pass for `bundle` (at most `requested`): a dense model keeps `requested` (its
 * 200-row validation pass takes ≈ 17 ms, and its numbers stay as they were); a conv model gets as
 * many rows as `CONV_PASS_FLOPS` of forward passes (≥ 1; 3 for the Keras-example VAE), so the
 * engine answers requests between passes while a conv model validates, encodes or decodes.
 * Deterministic (not timed), so a seeded evaluation gives the same numbers under any load.
 */
export function passRows(bundle: ModelSpec, requested: number): number {
  if (bundle.config.arch !== 'conv') return requested;
  return Math.max(1, Math.min(requested, Math.floor(CONV_PASS_FLOPS / flopsPerSample(bundle).forward)));
}

/** Mean per-sample loss parts over a split; `loss` = recon + β·kl. */
export async function evaluate(
  bundle: ModelBundle,
  split: SplitData,
  opts: { seed: number; beta?: number; limit?: number },
): Promise<LossParts> {
  const D = bundle.inputDim;
  const n = Math.min(split.count, opts.limit ?? split.count);
  const cond = isConditional(bundle.config.kind);
  let sr = 0;
  let sk = 0;
  const B = passRows(bundle, EVAL_BATCH);
  for (let s = 0; s < n; s += B) {
    const m = Math.min(B, n - s);
    const [r, k] = tf.tidy(() => {
      const x = tf.tensor2d(split.x.subarray(s * D, (s + m) * D), [m, D]);
      const y = cond ? oneHot(split.y.subarray(s, s + m), bundle.numClasses) : null;
      const p = forwardLoss(bundle, x, y, { training: false, seed: opts.seed + s });
      return [tf.mul(p.recon, m), tf.mul(p.kl, m)];
    });
    const [rv, kv] = await Promise.all([r.data(), k.data()]);
    r.dispose();
    k.dispose();
    sr += rv[0];
    sk += kv[0];
    await new Promise<void>((res) => setImmediate(res));
  }
  const recon = sr / n;
  const kl = sk / n;
  const beta = opts.beta ?? 1;
  return { loss: recon + beta * kl, recon, kl };
}

/** Latent means (and log-variances for VAE/CVAE) of `count` rows, in batches. */
export function encodeArrays(
  bundle: ModelBundle,
  x: Float32Array,
  y: Int32Array | null,
  count: number,
): { mean: Float32Array; logVar: Float32Array | null } {
  const D = bundle.inputDim;
  const d = bundle.config.latentDim;
  const cond = isConditional(bundle.config.kind);
  const variational = bundle.config.kind !== 'ae';
  const mean = new Float32Array(count * d);
  const logVar = variational ? new Float32Array(count * d) : null;
  const B = rowsPerPass(D);
  for (let s = 0; s < count; s += B) {
    const m = Math.min(B, count - s);
    const outs = tf.tidy(() => {
      const xt = tf.tensor2d(x.subarray(s * D, (s + m) * D), [m, D]);
      const inputs = cond ? [xt, oneHot(y!.subarray(s, s + m), bundle.numClasses)] : xt;
      const o = bundle.encoder.apply(inputs, { training: false }) as tf.Tensor | tf.Tensor[];
      return Array.isArray(o) ? o : [o];
    });
    mean.set(outs[0].dataSync() as Float32Array, s * d);
    if (logVar && outs[1]) logVar.set(outs[1].dataSync() as Float32Array, s * d);
    tf.dispose(outs);
  }
  return { mean, logVar };
}

/** Decode `count × latentDim` vectors to images (probabilities for Bernoulli outputs). */
export function decodeArrays(bundle: ModelBundle, z: Float32Array, y: Int32Array | null, count: number): Float32Array {
  const d = bundle.config.latentDim;
  const D = bundle.inputDim;
  const cond = isConditional(bundle.config.kind);
  const out = new Float32Array(count * D);
  const B = rowsPerPass(D);
  for (let s = 0; s < count; s += B) {
    const m = Math.min(B, count - s);
    const t = tf.tidy(() => {
      const zt = tf.tensor2d(z.subarray(s * d, (s + m) * d), [m, d]);
      const inputs = cond ? [zt, oneHot(y!.subarray(s, s + m), bundle.numClasses)] : zt;
      return bundle.decoder.apply(inputs, { training: false }) as tf.Tensor;
    });
    out.set(t.dataSync() as Float32Array, s * D);
    t.dispose();
  }
  return out;
}

/**
 * Per-sample reconstruction loss (nats, as in training) of `n` rows `x` (n × inputDim) against
 * their decoded outputs `recon` (`decodeArrays`: probabilities for Bernoulli outputs, clipped to
 * [1e-6, 1 − 1e-6] and turned back into logits; values for Gaussian ones). Returns n floats.
 */
export function reconErrors(bundle: ModelBundle, x: Float32Array, recon: Float32Array, n: number): Float32Array {
  const D = bundle.inputDim;
  return tf.tidy(() => {
    const out = tf.tensor2d(recon, [n, D]);
    const logits = bundle.output === 'bernoulli' ? logit(tf.clipByValue(out, 1e-6, 1 - 1e-6)) : out;
    return reconPerSample(tf.tensor2d(x, [n, D]), logits, bundle.output, gaussianSigma(bundle.config)).dataSync() as Float32Array;
  });
}

function logit(p: tf.Tensor2D): tf.Tensor2D {
  return tf.log(tf.div(p, tf.sub(1, p)));
}

/** Units whose posterior-mean variance across the points exceeds `threshold` (Burda et al.). */
export function activeUnits(mean: Float32Array, count: number, dim: number, threshold = 0.01): number {
  let active = 0;
  for (let j = 0; j < dim; j++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < count; i++) {
      const v = mean[i * dim + j];
      s += v;
      s2 += v * v;
    }
    const mu = s / count;
    if (s2 / count - mu * mu > threshold) active++;
  }
  return active;
}

/** Indices and squared distances of the k nearest reference points to `q` (brute force). */
export function nearest(
  ref: Float32Array,
  refCount: number,
  dim: number,
  q: Float32Array,
  k: number,
): { indices: Int32Array; distances: Float32Array } {
  const kk = Math.min(k, refCount);
  const idx = new Int32Array(kk).fill(-1);
  const dist = new Float32Array(kk).fill(Infinity);
  for (let i = 0; i < refCount; i++) {
    let d2 = 0;
    const o = i * dim;
    for (let j = 0; j < dim; j++) {
      const t = ref[o + j] - q[j];
      d2 += t * t;
    }
    if (d2 < dist[kk - 1]) {
      let p = kk - 1;
      while (p > 0 && dist[p - 1] > d2) {
        dist[p] = dist[p - 1];
        idx[p] = idx[p - 1];
        p--;
      }
      dist[p] = d2;
      idx[p] = i;
    }
  }
  return { indices: idx, distances: dist };
}

/** k-NN (majority vote, ties to the nearest) accuracy of `query` points against `ref` points. */
export function knnAccuracy(
  ref: Float32Array,
  refLabels: Int32Array,
  refCount: number,
  query: Float32Array,
  queryLabels: Int32Array,
  queryCount: number,
  dim: number,
  k = 5,
): number {
  let correct = 0;
  const q = new Float32Array(dim);
  for (let i = 0; i < queryCount; i++) {
    q.set(query.subarray(i * dim, i * dim + dim));
    const { indices } = nearest(ref, refCount, dim, q, k);
    const votes = new Map<number, number>();
    let best = refLabels[indices[0]];
    let bestVotes = 0;
    for (const j of indices) {
      const l = refLabels[j];
      const v = (votes.get(l) ?? 0) + 1;
      votes.set(l, v);
      if (v > bestVotes) {
        bestVotes = v;
        best = l;
      }
    }
    if (best === queryLabels[i]) correct++;
  }
  return queryCount ? correct / queryCount : 0;
}

/**
 * Mean KL(q(z_j | x) ‖ N(0, 1)) of each latent dimension j over `count` posteriors (nats):
 * −½·(1 + log σ² − μ² − σ²) averaged over the rows. `mean` and `logVar` are count × dim. Their
 * sum is the KL part of the ELBO; a dimension near 0 carries no information (posterior collapse).
 */
export function klPerDimension(mean: Float32Array, logVar: Float32Array, count: number, dim: number): number[] {
  const out = new Array<number>(dim).fill(0);
  if (!count) return out;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) {
      const mu = mean[i * dim + j];
      const lv = logVar[i * dim + j];
      out[j] += -0.5 * (1 + lv - mu * mu - Math.exp(lv));
    }
  }
  return out.map((v) => v / count);
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * `encodeArrays` in slices, yielding between them so the engine keeps answering requests:
 * count × latentDim means, and log-variances for VAE/CVAE (null for an AE).
 */
export async function encodeSplitYielding(
  bundle: ModelBundle,
  x: Float32Array,
  y: Int32Array | null,
  count: number,
  slice = 1024,
): Promise<{ mean: Float32Array; logVar: Float32Array | null }> {
  const D = bundle.inputDim;
  const d = bundle.config.latentDim;
  const mean = new Float32Array(count * d);
  const logVar = bundle.config.kind !== 'ae' ? new Float32Array(count * d) : null;
  slice = passRows(bundle, slice);
  for (let s = 0; s < count; s += slice) {
    const m = Math.min(slice, count - s);
    const part = encodeArrays(bundle, x.subarray(s * D, (s + m) * D), y ? y.subarray(s, s + m) : null, m);
    mean.set(part.mean, s * d);
    if (logVar && part.logVar) logVar.set(part.logVar, s * d);
    await yieldToLoop();
  }
  return { mean, logVar };
}

/**
 * Latent means of the rows `rows` of `split`, gathered at most `maxSlice` rows at a time
 * into one reused buffer, yielding between slices: no copy of the chosen rows as a whole (2,000
 * rows of 64×64×3 would be ~100 MB).
 */
export async function encodeRowsYielding(bundle: ModelBundle, split: SplitData, rows: ArrayLike<number>, maxSlice = 500): Promise<Float32Array> {
  const D = bundle.inputDim;
  const slice = passRows(bundle, Math.min(maxSlice, rowsPerPass(D)));
  const d = bundle.config.latentDim;
  const n = rows.length;
  const mean = new Float32Array(n * d);
  const xBuf = new Float32Array(Math.min(slice, n) * D);
  const yBuf = new Int32Array(Math.min(slice, n));
  for (let s = 0; s < n; s += slice) {
    const m = Math.min(slice, n - s);
    for (let i = 0; i < m; i++) {
      const src = rows[s + i];
      xBuf.set(split.x.subarray(src * D, src * D + D), i * D);
      yBuf[i] = split.y[src];
    }
    mean.set(encodeArrays(bundle, xBuf.subarray(0, m * D), yBuf.subarray(0, m), m).mean, s * d);
    await yieldToLoop();
  }
  return mean;
}

/** Latent means only (`encodeSplitYielding`). */
export async function encodeYielding(
  bundle: ModelBundle,
  x: Float32Array,
  y: Int32Array | null,
  count: number,
  slice = 1024,
): Promise<Float32Array> {
  return (await encodeSplitYielding(bundle, x, y, count, slice)).mean;
}

/**
 * Full test metrics of a model. `trainMean` (latent means of the first `trainCount` training
 * points) can be passed when the caller already has them, and `testParts` (the test split's
 * `evaluate` with `seed` on these very weights, e.g. the last epoch's validation). Yields
 * between slices of work.
 * `opts.signal`: checked between passes and k-NN slices (throws its reason when aborted);
 * `opts.onPhase`: called after each pass with its name (timings, bench/lib/finishTime.ts).
 */
export async function computeMetrics(
  bundle: ModelBundle,
  train: SplitData,
  test: SplitData,
  seed: number,
  pre?: { trainMean: Float32Array; trainCount: number; testParts?: LossParts },
  opts: { signal?: AbortSignal; onPhase?: (phase: string) => void } = {},
): Promise<Metrics> {
  const phase = (name: string) => {
    opts.onPhase?.(name);
    opts.signal?.throwIfAborted();
  };
  const parts = pre?.testParts ?? (await evaluate(bundle, test, { seed, beta: 1 }));
  phase('evaluateTest');
  const d = bundle.config.latentDim;
  const te = await encodeSplitYielding(bundle, test.x, test.y, test.count);
  phase('encodeTest');
  const teMean = te.mean;
  const trainN = pre ? pre.trainCount : Math.min(train.count, 10_000);
  const trMean = pre ? pre.trainMean : await encodeYielding(bundle, train.x, train.y, trainN);
  if (!pre) phase('encodeTrain');
  const testN = Math.min(test.count, 2000);
  // k-NN in slices of queries, yielding between them.
  let correct = 0;
  const Q = 250;
  for (let s = 0; s < testN; s += Q) {
    const m = Math.min(Q, testN - s);
    correct += m * knnAccuracy(trMean, train.y, trainN, teMean.subarray(s * d, (s + m) * d), test.y.subarray(s, s + m), m, d, 5);
    await yieldToLoop();
    opts.signal?.throwIfAborted();
  }
  opts.onPhase?.('knn');
  return {
    elbo: parts.recon + parts.kl,
    recon: parts.recon,
    kl: parts.kl,
    activeUnits: activeUnits(teMean, test.count, d),
    knnAccuracy: testN ? correct / testN : 0,
    ...(te.logVar ? { klPerDim: klPerDimension(teMean, te.logVar, test.count, d) } : {}),
    likelihood: bundle.output,
    ...(bundle.output === 'gaussian' ? { sigma: gaussianSigma(bundle.config) } : {}),
  };
}
