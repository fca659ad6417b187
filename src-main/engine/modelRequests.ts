/**
 * The `model:*` requests over a loaded run: encode, decode, reconstruct, generate, interpolate,
 * the manifold grid, nearest neighbours and encoding an image file. Each takes the run and the
 * validated request and returns the contract's output; bad sizes and labels are INVALID_PAYLOAD.
 */
import type { RequestName, RequestOutput, RequestParsed } from '../../src-shared/contract';
import { LabError } from '../../src-shared/types';
import { encodeImage, preprocessDropped } from './encodeImage';
import { interpolateLatents, manifoldLatents } from './inference';
import { decodeArrays, decodeYielding, encodeArrays, encodeSplitYielding, encodeYielding, nearest, reconErrors, type SplitData } from './metrics';
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
export function checkLabel(lr: LoadedRun, label: number | undefined): void {
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

/** A page of reconstructions with their per-image loss; `worstFirst` sorts the whole split by loss first. */
export async function reconstruct(lr: LoadedRun, { split: which, offset, count, worstFirst }: In<'model:reconstruct'>): Promise<Out<'model:reconstruct'>> {
  const s = split(lr, which);
  const D = lr.rec.inputDim;
  const cond = isConditional(lr.rec.config.model.kind);
  // Errors for the whole split when sorting worst-first, else for the page only.
  const from = worstFirst ? 0 : offset;
  const n = worstFirst ? s.count : Math.max(0, Math.min(count, s.count - offset));
  if (n === 0) throw new LabError('INVALID_PAYLOAD', `offset ${offset} is past the end (${s.count} items)`);
  const x = s.x.subarray(from * D, (from + n) * D);
  const y = s.y.subarray(from, from + n);
  // In slices that yield: worst-first reaches every row of the split.
  const { mean } = await encodeSplitYielding(lr.bundle, x, cond ? y : null, n);
  const recon = await decodeYielding(lr.bundle, mean, cond ? y : null, n);
  const errors = reconErrors(lr.bundle, x, recon, n);
  let order = Array.from({ length: n }, (_, i) => i);
  if (worstFirst) order = order.sort((a, b) => errors[b] - errors[a]).slice(offset, offset + count);
  const m = order.length;
  const out = {
    originals: new Float32Array(m * D),
    reconstructions: new Float32Array(m * D),
    labels: new Int32Array(m),
    indices: new Int32Array(m),
    errors: new Float32Array(m),
    count: m,
    shape: lr.rec.shape,
  };
  order.forEach((i, k) => {
    copyRowF32(x, D, i, out.originals, k * D);
    out.reconstructions.set(recon.subarray(i * D, i * D + D), k * D);
    out.labels[k] = y[i];
    out.indices[k] = from + i;
    out.errors[k] = errors[i];
  });
  return out;
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
