/**
 * Batched evaluation and latent-space metrics: test negative ELBO (single-sample estimate with a
 * fixed seed) split into recon and KL, the mean KL of each latent dimension, active units, and
 * k-NN label accuracy in latent space. Every forward pass (`evaluate`, `encodeArrays`,
 * `decodeArrays`) runs on the kernels when kernels/dense/bundleForward.ts says they take the
 * model, else on tfjs; callers need not know which.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossParts, Metrics } from '../../src-shared/types';
import { kernelForwardFor, kernelForwardSupported } from './kernels/dense/bundleForward';
import { flopsPerSample, isConditional, isVariational, oneHot, type ModelBundle, type ModelSpec } from './models/build';
import { gaussianSigma } from './models/likelihood';
import { klPerSample, reconPerSample } from './models/loss';
import { activeDims, klPerDimension, knnAccuracy } from './latentMetrics';
import { copyRowF32, rowsF32, type RowValues } from './datasets/rows';
import type { Split } from './datasets/types';

export { activeDims, activeUnits, klPerDimension, knnAccuracy, nearest } from './latentMetrics';

/** A split's rows (bytes for images, floats for toy sets: datasets/rows.ts) and labels. */
export type SplitData = Split;

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
 * FLOPs one yielding pass of a conv model may cost on the engine's thread on tfjs (models the
 * kernels do not run): its wasm conv kernels run at ≈ 1.6 GFLOP/s here (a 200-row validation pass
 * of the Keras-example conv VAE took ≈ 1.7 CPU-s and held every request that long), so 40 MFLOP
 * ≈ 25 ms.
 */
export const CONV_PASS_FLOPS = 40e6;

/**
 * The same on the kernels (kernels/dense/kernelForward.ts), which run a conv model's forward pass
 * at ≈ 10–20 GFLOP/s on one thread: 400 MFLOP ≈ 25 ms (≈ 40 rows of the Keras-example conv VAE,
 * 2 of a 64×64×3 one).
 */
export const CONV_KERNEL_PASS_FLOPS = 400e6;

/**
 * Rows per yielding pass for `bundle` (at most `requested`): a dense model keeps `requested` (its
 * 200-row validation pass takes ≈ 17 ms on tfjs, less on the kernels); a conv model gets as many
 * rows as `CONV_KERNEL_PASS_FLOPS` (on the kernels) or `CONV_PASS_FLOPS` (on tfjs) of forward
 * passes, ≥ 1, so the engine answers requests between passes while a conv model validates,
 * encodes or decodes. A bundle is asked whether the kernels run it; a bare spec, whether they
 * would. Deterministic (not timed), and `evaluate`'s numbers do not depend on it.
 */
export function passRows(bundle: ModelSpec | ModelBundle, requested: number): number {
  if (bundle.config.arch !== 'conv') return requested;
  const onKernels = 'encoder' in bundle ? kernelForwardFor(bundle) !== null : kernelForwardSupported(bundle);
  const flops = onKernels ? CONV_KERNEL_PASS_FLOPS : CONV_PASS_FLOPS;
  return Math.max(1, Math.min(requested, Math.floor(flops / flopsPerSample(bundle).forward)));
}

/**
 * The reparameterisation noise of rows [s, s + m) of an evaluation with `seed` (m × latentDim):
 * row r's comes from a normal draw of `EVAL_BATCH` rows seeded `seed + r0` (r0: r rounded down
 * to a multiple of EVAL_BATCH), so it depends on the row alone, not on how passes cut the split.
 */
function evalNoise(seed: number, s: number, m: number, L: number): Float32Array {
  const out = new Float32Array(m * L);
  for (let r = s; r < s + m; ) {
    const r0 = r - (r % EVAL_BATCH);
    const block = tf.tidy(() => tf.randomNormal([EVAL_BATCH, L], 0, 1, 'float32', seed + r0).dataSync() as Float32Array);
    const end = Math.min(s + m, r0 + EVAL_BATCH);
    out.set(block.subarray((r - r0) * L, (end - r0) * L), (r - s) * L);
    r = end;
  }
  return out;
}

/** Σ recon and Σ KL of `m` rows on tfjs (models/loss.ts's forward pass, with the given noise). */
function tfjsLossSums(bundle: ModelBundle, x: Float32Array, y: Int32Array | null, eps: Float32Array | null, m: number): { recon: number; kl: number } {
  const D = bundle.inputDim;
  const sums = tf.tidy(() => {
    const xt = tf.tensor2d(x, [m, D]);
    const yt = y ? oneHot(y, bundle.numClasses) : null;
    const enc = bundle.encoder.apply(yt ? [xt, yt] : xt, { training: false }) as tf.Tensor2D | tf.Tensor2D[];
    let z: tf.Tensor2D;
    let kl: tf.Tensor1D;
    if (isVariational(bundle.config.kind)) {
      const [mean, logVar] = enc as tf.Tensor2D[];
      z = tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, logVar)), tf.tensor2d(eps!, mean.shape))) as tf.Tensor2D;
      kl = klPerSample(mean, logVar);
    } else {
      z = (Array.isArray(enc) ? enc[0] : enc) as tf.Tensor2D;
      kl = tf.zeros([m]) as tf.Tensor1D;
    }
    const logits = bundle.decoderLogits.apply(yt ? [z, yt] : z, { training: false }) as tf.Tensor2D;
    const rps = reconPerSample(xt, logits, bundle.output, gaussianSigma(bundle.config));
    return tf.stack([tf.sum(rps), tf.sum(kl)]);
  });
  const v = sums.dataSync();
  sums.dispose();
  return { recon: v[0], kl: v[1] };
}

/**
 * Mean per-sample loss parts over a split (the first `limit` rows); `loss` = recon + β·kl. A
 * single-sample estimate: the noise is fixed by `seed` per row (`evalNoise`), so the numbers are
 * the same on the kernels and on tfjs (to float rounding) and for any pass size.
 */
export async function evaluate(
  bundle: ModelBundle,
  split: SplitData,
  opts: { seed: number; beta?: number; limit?: number },
): Promise<LossParts> {
  const D = bundle.inputDim;
  const L = bundle.config.latentDim;
  const n = Math.min(split.count, opts.limit ?? split.count);
  const cond = isConditional(bundle.config.kind);
  let sr = 0;
  let sk = 0;
  const B = passRows(bundle, EVAL_BATCH);
  // tfjs passes over a split's bytes convert them into one buffer (floats are passed as views).
  const xBuf = split.x instanceof Float32Array ? undefined : new Float32Array(Math.min(B, n) * D);
  for (let s = 0; s < n; s += B) {
    const m = Math.min(B, n - s);
    const y = cond ? split.y.subarray(s, s + m) : null;
    const eps = isVariational(bundle.config.kind) ? evalNoise(opts.seed, s, m, L) : null;
    const kernels = kernelForwardFor(bundle, y);
    // The kernels convert the rows straight into their input buffer.
    const sums = kernels ? kernels.lossSums(split.x.subarray(s * D, (s + m) * D), y, eps, m) : tfjsLossSums(bundle, rowsF32(split.x, D, s, m, xBuf), y, eps, m);
    sr += sums.recon;
    sk += sums.kl;
    await new Promise<void>((res) => setImmediate(res));
  }
  const recon = sr / n;
  const kl = sk / n;
  const beta = opts.beta ?? 1;
  return { loss: recon + beta * kl, recon, kl };
}

/**
 * Latent means (and log-variances for VAE/CVAE) of the first `count` rows of `x` (count ×
 * inputDim: floats, or a split's bytes read as byte/255), on the kernels or in tfjs batches.
 */
export function encodeArrays(
  bundle: ModelBundle,
  x: RowValues,
  y: Int32Array | null,
  count: number,
): { mean: Float32Array; logVar: Float32Array | null } {
  const D = bundle.inputDim;
  const d = bundle.config.latentDim;
  const cond = isConditional(bundle.config.kind);
  const kernels = kernelForwardFor(bundle, cond ? y!.subarray(0, count) : null);
  if (kernels) return kernels.encode(x, cond ? y : null, count);
  const variational = bundle.config.kind !== 'ae';
  const mean = new Float32Array(count * d);
  const logVar = variational ? new Float32Array(count * d) : null;
  const B = rowsPerPass(D);
  const xBuf = x instanceof Float32Array ? undefined : new Float32Array(Math.min(B, count) * D);
  for (let s = 0; s < count; s += B) {
    const m = Math.min(B, count - s);
    const outs = tf.tidy(() => {
      const xt = tf.tensor2d(rowsF32(x, D, s, m, xBuf), [m, D]);
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

/** Decode `count × latentDim` vectors to images (probabilities for Bernoulli outputs), on the kernels or in tfjs batches. */
export function decodeArrays(bundle: ModelBundle, z: Float32Array, y: Int32Array | null, count: number): Float32Array {
  const d = bundle.config.latentDim;
  const D = bundle.inputDim;
  const cond = isConditional(bundle.config.kind);
  const kernels = kernelForwardFor(bundle, cond ? y!.subarray(0, count) : null);
  if (kernels) return kernels.decode(z, cond ? y : null, count);
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
 * Per-sample reconstruction loss (nats, as in training) of `n` rows `x` (n × inputDim: floats,
 * or a split's bytes read as byte/255) against
 * their decoded outputs `recon` (`decodeArrays`: probabilities for Bernoulli outputs, clipped to
 * [1e-6, 1 − 1e-6] and turned back into logits; values for Gaussian ones). Returns n floats.
 */
export function reconErrors(bundle: ModelBundle, x: RowValues, recon: Float32Array, n: number): Float32Array {
  const D = bundle.inputDim;
  // In passes of `rowsPerPass` rows (a split's bytes converted into one reused buffer), so a
  // whole split's errors never hold its floats at once; each row's error is its own.
  const B = rowsPerPass(D);
  const errors = new Float32Array(n);
  const xBuf = x instanceof Float32Array ? undefined : new Float32Array(Math.min(B, n) * D);
  for (let s = 0; s < n; s += B) {
    const m = Math.min(B, n - s);
    const part = tf.tidy(() => {
      const out = tf.tensor2d(recon.subarray(s * D, (s + m) * D), [m, D]);
      const logits = bundle.output === 'bernoulli' ? logit(tf.clipByValue(out, 1e-6, 1 - 1e-6)) : out;
      return reconPerSample(tf.tensor2d(rowsF32(x, D, s, m, xBuf), [m, D]), logits, bundle.output, gaussianSigma(bundle.config)).dataSync() as Float32Array;
    });
    errors.set(part, s);
  }
  return errors;
}

function logit(p: tf.Tensor2D): tf.Tensor2D {
  return tf.log(tf.div(p, tf.sub(1, p)));
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * `encodeArrays` in slices, yielding between them so the engine keeps answering requests:
 * count × latentDim means, and log-variances for VAE/CVAE (null for an AE).
 */
export async function encodeSplitYielding(
  bundle: ModelBundle,
  x: RowValues,
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
      copyRowF32(split.x, D, src, xBuf, i * D);
      yBuf[i] = split.y[src];
    }
    mean.set(encodeArrays(bundle, xBuf.subarray(0, m * D), yBuf.subarray(0, m), m).mean, s * d);
    await yieldToLoop();
  }
  return mean;
}

/**
 * `decodeArrays` in slices of `passRows` rows (≈ 25 ms of a conv decoder's work), yielding between
 * them, so a big grid (a 400-image generation of a conv model) does not hold other requests:
 * count × inputDim outputs, the same values as `decodeArrays`.
 */
export async function decodeYielding(bundle: ModelBundle, z: Float32Array, y: Int32Array | null, count: number): Promise<Float32Array> {
  const d = bundle.config.latentDim;
  const D = bundle.inputDim;
  const slice = passRows(bundle, rowsPerPass(D));
  if (count <= slice) return decodeArrays(bundle, z, y, count);
  const out = new Float32Array(count * D);
  for (let s = 0; s < count; s += slice) {
    const m = Math.min(slice, count - s);
    out.set(decodeArrays(bundle, z.subarray(s * d, (s + m) * d), y ? y.subarray(s, s + m) : null, m), s * D);
    await yieldToLoop();
  }
  return out;
}

/** Latent means only (`encodeSplitYielding`). */
export async function encodeYielding(
  bundle: ModelBundle,
  x: RowValues,
  y: Int32Array | null,
  count: number,
  slice = 1024,
): Promise<Float32Array> {
  return (await encodeSplitYielding(bundle, x, y, count, slice)).mean;
}

/** How many distinct labels the first `n` of `labels` hold (stops counting at 2). */
function distinctLabels(labels: Int32Array, n: number): number {
  for (let i = 1; i < n; i++) if (labels[i] !== labels[0]) return 2;
  return n ? 1 : 0;
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
  // k-NN accuracy says nothing with fewer than 2 classes among the neighbours (always 100 %): left out.
  const testN = distinctLabels(train.y, trainN) >= 2 ? Math.min(test.count, 2000) : 0;
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
  const active = activeDims(teMean, test.count, d);
  return {
    elbo: parts.recon + parts.kl,
    recon: parts.recon,
    kl: parts.kl,
    activeUnits: active.filter(Boolean).length,
    activeDims: active,
    ...(testN ? { knnAccuracy: correct / testN } : {}),
    ...(te.logVar ? { klPerDim: klPerDimension(teMean, te.logVar, test.count, d) } : {}),
    likelihood: bundle.output,
    ...(bundle.output === 'gaussian' ? { sigma: gaussianSigma(bundle.config) } : {}),
  };
}
