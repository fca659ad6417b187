/**
 * The `model:*` requests over a loaded run: encode, decode, reconstruct, generate, interpolate,
 * the manifold grid, nearest neighbours and encoding an image file. Each takes the run and the
 * validated request and returns the contract's output; bad sizes and labels are INVALID_PAYLOAD.
 */
import type { RequestName, RequestOutput, RequestParsed } from '../../src-shared/contract';
import type { ReconQuantiles } from '../../src-shared/contract/modelRequests';
import { LabError } from '../../src-shared/types';
import { encodeImage, preprocessDropped } from './encodeImage';
import { interpolateLatents, manifoldLatents } from './inference';
import { decodeArrays, decodeYielding, encodeArrays, encodeSplitYielding, encodeYielding, nearest, passRows, reconErrors, rowsPerPass, type SplitData } from './metrics';
import { isConditional } from './models/build';
import { copyRowF32 } from './datasets/rows';
import type { LoadedRun } from './runCache';
import { latentSampler } from './runPrior';
import type { RunStore } from './runs';
import { blendLabels, decodeWithLabelRows, labelPosterior } from './softLabels';

type In<N extends RequestName> = RequestParsed<N>;
type Out<N extends RequestName> = RequestOutput<N>;

/** `labels` checked for a CVAE (one per vector, each a class of the run); null for other kinds. */
function checkLabels(lr: LoadedRun, labels: Int32Array | undefined, count: number): Int32Array | null {
  if (!isConditional(lr.rec.config.model.kind)) return null;
  if (!labels) throw new LabError('INVALID_PAYLOAD', 'a CVAE needs a label for every vector');
  if (labels.length !== count) throw new LabError('INVALID_PAYLOAD', `expected ${count} labels, got ${labels.length}`);
  for (const l of labels) {
    if (l < 0 || l >= lr.rec.numClasses) throw new LabError('INVALID_PAYLOAD', `label ${l} is outside 0–${lr.rec.numClasses - 1}`);
  }
  return labels;
}

/** @throws LabError INVALID_PAYLOAD when `label` is not a class of the run. */
export function checkLabel(lr: Pick<LoadedRun, 'rec'>, label: number | undefined): void {
  if (label !== undefined && label >= lr.rec.numClasses) {
    throw new LabError('INVALID_PAYLOAD', `label ${label} is outside 0–${lr.rec.numClasses - 1}`);
  }
}

/** `count` labels: -1 for unconditional models, `label` when given, else cycling through the classes. */
function labelsFor(lr: LoadedRun, count: number, label: number | undefined): Int32Array {
  const out = new Int32Array(count);
  if (!isConditional(lr.rec.config.model.kind)) return out.fill(-1);
  if (label !== undefined) return out.fill(label);
  for (let i = 0; i < count; i++) out[i] = i % lr.rec.numClasses;
  return out;
}

function decode(lr: LoadedRun, z: Float32Array, labels: Int32Array | null, count: number): Float32Array {
  return decodeArrays(lr.bundle, z, isConditional(lr.rec.config.model.kind) ? labels : null, count);
}

/** `decode` in slices that yield to the event loop (grids: generation, manifold). */
function decodeGrid(lr: LoadedRun, z: Float32Array, labels: Int32Array | null, count: number): Promise<Float32Array> {
  return decodeYielding(lr.bundle, z, isConditional(lr.rec.config.model.kind) ? labels : null, count);
}

function split(lr: LoadedRun, which: 'train' | 'test'): SplitData {
  return which === 'train' ? lr.data.train : lr.data.test;
}

/**
 * Latent means of (up to 60,000) training points, computed once per loaded run, in slices that
 * yield; kept only when the run's model and state did not change meanwhile (a run's end clears them).
 */
async function trainLatents(lr: LoadedRun): Promise<{ z: Float32Array; count: number }> {
  if (!lr.trainLatents) {
    const n = Math.min(lr.data.train.count, 60_000);
    const [bundle, state] = [lr.bundle, lr.rec.state];
    const z = await encodeYielding(bundle, lr.data.train.x, lr.data.train.y, n);
    if (lr.bundle === bundle && lr.rec.state === state) {
      lr.trainLatents = z;
      lr.trainLatentsCount = n;
    }
    return { z, count: n };
  }
  return { z: lr.trainLatents, count: lr.trainLatentsCount! };
}

/** The `k` training points nearest to latent point `z` (Euclidean), with their images. */
export async function neighbors(lr: LoadedRun, z: Float32Array, k: number): Promise<Out<'model:neighbors'>> {
  const d = lr.rec.config.model.latentDim;
  if (z.length !== d) throw new LabError('INVALID_PAYLOAD', `expected a ${d}-D latent point, got ${z.length} values`);
  const { z: ref, count } = await trainLatents(lr);
  const { indices, distances } = nearest(ref, count, d, z, k);
  const D = lr.rec.inputDim;
  const images = new Float32Array(indices.length * D);
  const labels = new Int32Array(indices.length);
  indices.forEach((idx, i) => {
    copyRowF32(lr.data.train.x, D, idx, images, i * D);
    labels[i] = lr.data.train.y[idx];
  });
  return { indices, labels, distances: distances.map(Math.sqrt), images, shape: lr.rec.shape };
}

export async function latents(lr: LoadedRun, { split: which, limit }: In<'model:latents'>): Promise<Out<'model:latents'>> {
  const s = split(lr, which);
  const n = Math.min(s.count, limit ?? s.count);
  const { mean } = await encodeSplitYielding(lr.bundle, s.x, s.y, n);
  return {
    latents: mean,
    dim: lr.rec.config.model.latentDim,
    count: n,
    labels: s.y.slice(0, n),
    indices: Int32Array.from({ length: n }, (_, i) => i),
  };
}

export function encode(lr: LoadedRun, { images, count, labels }: In<'model:encode'>): Out<'model:encode'> {
  if (images.length !== count * lr.rec.inputDim) {
    throw new LabError('INVALID_PAYLOAD', `expected ${count} × ${lr.rec.inputDim} values, got ${images.length}`);
  }
  const y = checkLabels(lr, labels, count);
  const { mean, logVar } = encodeArrays(lr.bundle, images, y, count);
  return { mean, logVar, dim: lr.rec.config.model.latentDim, count };
}

export function decodeLatents(lr: LoadedRun, { z, count, labels }: In<'model:decode'>): Out<'model:decode'> {
  const d = lr.rec.config.model.latentDim;
  if (z.length !== count * d) throw new LabError('INVALID_PAYLOAD', `expected ${count} × ${d} values, got ${z.length}`);
  const y = checkLabels(lr, labels, count);
  return { images: decode(lr, z, y, count), count, shape: lr.rec.shape };
}

/** A split's reconstruction errors, computed once (`splitErrors`). */
interface SplitErrors {
  /** Per row, nats (the posterior mean decoded). */
  errors: Float32Array;
  /** Row indices, largest error first (ties: lower row first). */
  worstFirst: Int32Array;
  quantiles: ReconQuantiles;
}

interface CachedErrors {
  split: SplitData;
  bundle: LoadedRun['bundle'];
  epochs: number;
  value: Promise<SplitErrors>;
}

/**
 * Per loaded run and split: its errors for the run's model as it was at `epochs` trained epochs
 * (a WeakMap: a run evicted from memory, or reloaded on changed data — a new `LoadedRun` —, takes
 * them with it; another bundle or epoch count computes them again).
 */
const errorCache = new WeakMap<LoadedRun, Map<'train' | 'test', CachedErrors>>();

/** Whether `lr`'s weights may change under a cached value (a run training or paused). */
const training = (lr: LoadedRun) => lr.rec.state === 'training' || lr.rec.state === 'paused';

/** The worst-first rank of quantile `q` among `n` errors (rank 0 is the largest). */
function quantileRank(q: number, n: number): number {
  return Math.min(n - 1, Math.max(0, Math.round((1 - q) * (n - 1))));
}

/**
 * Reconstruction errors of every row of `s` (nats per image, its posterior mean decoded), in
 * slices of `passRows` rows that yield to the event loop, so a split's reconstructions are never
 * held at once; with the worst-first order and the quantiles (`ReconQuantiles`).
 */
async function computeSplitErrors(lr: LoadedRun, s: SplitData): Promise<SplitErrors> {
  const D = lr.rec.inputDim;
  const n = s.count;
  const cond = isConditional(lr.rec.config.model.kind);
  const errors = new Float32Array(n);
  const slice = passRows(lr.bundle, rowsPerPass(D));
  for (let from = 0; from < n; from += slice) {
    const m = Math.min(slice, n - from);
    const x = s.x.subarray(from * D, (from + m) * D);
    const y = cond ? s.y.subarray(from, from + m) : null;
    const { mean } = encodeArrays(lr.bundle, x, y, m);
    errors.set(reconErrors(lr.bundle, x, decodeArrays(lr.bundle, mean, y, m), m), from);
    await new Promise<void>((r) => setImmediate(r));
  }
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => errors[b] - errors[a] || a - b);
  const at = (q: number) => errors[order[quantileRank(q, n)]];
  return { errors, worstFirst: order, quantiles: { p50: at(0.5), p95: at(0.95), n } };
}

/**
 * The errors of split `which` of `lr` (`computeSplitErrors`): computed once per loaded run, split,
 * model and trained epoch, and cached; a run training (or paused) gets them afresh each time.
 */
function splitErrors(lr: LoadedRun, which: 'train' | 'test'): Promise<SplitErrors> {
  const s = split(lr, which);
  if (training(lr)) return computeSplitErrors(lr, s);
  let perRun = errorCache.get(lr);
  if (!perRun) errorCache.set(lr, (perRun = new Map()));
  const hit = perRun.get(which);
  if (hit && hit.split === s && hit.bundle === lr.bundle && hit.epochs === lr.rec.epochsDone) return hit.value;
  const value = computeSplitErrors(lr, s);
  const entry: CachedErrors = { split: s, bundle: lr.bundle, epochs: lr.rec.epochsDone, value };
  perRun.set(which, entry);
  value.catch(() => {
    if (perRun.get(which) === entry) perRun.delete(which);
  });
  return value;
}

/**
 * A page of reconstructions with their per-image loss. `worstFirst` orders the whole split by
 * loss first; it and `quantiles` use the split's errors, computed once per run and trained epoch
 * (`splitErrors`: the first such request decodes the whole split, later ones only their page),
 * and the answer then carries the split's `quantiles` (median, 95th percentile, n).
 * @throws LabError INVALID_PAYLOAD when `offset` is past the end of the split.
 */
export async function reconstruct(lr: LoadedRun, { split: which, offset, count, worstFirst, quantiles }: In<'model:reconstruct'>): Promise<Out<'model:reconstruct'>> {
  const s = split(lr, which);
  const D = lr.rec.inputDim;
  const cond = isConditional(lr.rec.config.model.kind);
  if (offset >= s.count) throw new LabError('INVALID_PAYLOAD', `offset ${offset} is past the end (${s.count} items)`);
  const whole = worstFirst || quantiles ? await splitErrors(lr, which) : null;
  const m = Math.min(count, s.count - offset);
  // The page's rows: in order, or the worst-first ranks [offset, offset + m).
  const rows = worstFirst ? whole!.worstFirst.subarray(offset, offset + m) : Int32Array.from({ length: m }, (_, k) => offset + k);
  const out = {
    originals: new Float32Array(m * D),
    reconstructions: new Float32Array(m * D),
    labels: new Int32Array(m),
    indices: new Int32Array(rows),
    errors: new Float32Array(m),
    count: m,
    shape: lr.rec.shape,
  };
  rows.forEach((i, k) => {
    copyRowF32(s.x, D, i, out.originals, k * D);
    out.labels[k] = s.y[i];
  });
  const { mean } = await encodeSplitYielding(lr.bundle, out.originals, cond ? out.labels : null, m);
  out.reconstructions.set(await decodeYielding(lr.bundle, mean, cond ? out.labels : null, m));
  // The split's own numbers when it was measured (the same as the page's, to float rounding), so a page's errors match the order and the scale.
  if (whole) rows.forEach((i, k) => (out.errors[k] = whole.errors[i]));
  else out.errors.set(reconErrors(lr.bundle, out.originals, out.reconstructions, m));
  return whole ? { ...out, quantiles: whole.quantiles } : out;
}

/**
 * `count` samples from the prior `prior` names (./runPrior.ts; a CVAE's for `label`, or the
 * classes in turn), decoded. `store`: where a fitted prior fitted here for an older run is saved.
 */
export async function generate(lr: LoadedRun, { count, label, temperature, seed, prior }: In<'model:generate'>, store?: RunStore): Promise<Out<'model:generate'>> {
  checkLabel(lr, label);
  const s = seed ?? Math.floor(Math.random() * 2 ** 31);
  const labels = labelsFor(lr, count, label);
  const z = (await latentSampler(lr, prior, temperature, s, store))(labels);
  return { images: await decodeGrid(lr, z, labels, count), count, shape: lr.rec.shape, labels, z };
}

export function interpolate(lr: LoadedRun, { from, to, steps, label, labelTo }: In<'model:interpolate'>): Out<'model:interpolate'> {
  checkLabel(lr, label);
  checkLabel(lr, labelTo);
  const d = lr.rec.config.model.latentDim;
  if (from.length !== d || to.length !== d) throw new LabError('INVALID_PAYLOAD', `from and to must be ${d}-D latent points`);
  const z = interpolateLatents(from, to, steps);
  if (labelTo !== undefined && isConditional(lr.rec.config.model.kind)) {
    const rows = blendLabels(label ?? 0, labelTo, steps, lr.rec.numClasses);
    return { images: decodeWithLabelRows(lr.bundle, z, rows, steps), count: steps, shape: lr.rec.shape, z };
  }
  const labels = labelsFor(lr, steps, label ?? 0);
  return { images: decode(lr, z, labels, steps), count: steps, shape: lr.rec.shape, z };
}

export async function manifold(lr: LoadedRun, { dims, steps, range, label }: In<'model:manifold'>): Promise<Out<'model:manifold'>> {
  checkLabel(lr, label);
  const d = lr.rec.config.model.latentDim;
  if (dims[0] >= d || dims[1] >= d || dims[0] === dims[1]) {
    throw new LabError('INVALID_PAYLOAD', `dims must be two different latent dimensions below ${d}`);
  }
  const stats = lr.rec.config.model.kind === 'ae' ? lr.rec.latentStats : null;
  const z = manifoldLatents(d, dims, steps, range, stats);
  const count = steps * steps;
  const labels = labelsFor(lr, count, label ?? 0);
  return { images: await decodeGrid(lr, z, labels, count), count, shape: lr.rec.shape, z };
}

/**
 * An image file, preprocessed as the run's dataset was (`dropPreprocessing`: size, colour, crop or
 * pad; MNIST-style for ink runs), encoded (CVAE: under its best label), reconstructed, with 8
 * neighbours.
 */
export async function encodeFile(lr: LoadedRun, { bytes, label }: In<'model:encodeFile'>): Promise<Out<'model:encodeFile'>> {
  if (!lr.data.info.isImage) throw new LabError('UNSUPPORTED', 'this run was trained on 2-D points, not images');
  checkLabel(lr, label);
  const input = await preprocessDropped(lr, bytes);
  const enc = encodeImage(lr, input, label);
  const y = isConditional(lr.rec.config.model.kind) ? Int32Array.of(enc.label) : null;
  const reconstruction = decode(lr, enc.mean, y, 1);
  const labelFit = label === undefined && enc.negElbo ? { label: enc.label, probabilities: labelPosterior(enc.negElbo) } : undefined;
  return { input, shape: lr.rec.shape, mean: enc.mean, logVar: enc.logVar, reconstruction, neighbors: await neighbors(lr, enc.mean, 8), labelFit };
}
