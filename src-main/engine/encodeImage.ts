/**
 * Encoding one input with q(z|x), and turning a dropped image file into a run's input the way
 * the run's dataset was made (`dropPreprocessing`, `preprocessDropped`). A CVAE's encoder also
 * needs the label: without one, every label is tried and the one with the best single-point
 * ELBO (reconstruction of the posterior mean + KL to the prior, `models/loss.ts`) is kept.
 */
import * as tf from '@tensorflow/tfjs';
import { imageShape, LabError, type ResolvedImport } from '../../src-shared/types';
import { inMnistForm, sampleStats } from './datasets/local/imageFiles';
import { decodeRaw, decodeSide, preprocessPixels, type RawImage } from './images';
import { decodeArrays, encodeArrays, reconErrors } from './metrics';
import { isConditional } from './models/build';
import { klPerSample } from './models/loss';
import type { LoadedRun } from './runCache';

/** What preprocessing a drop needs of a run: its record and dataset. */
type RunData = Pick<LoadedRun, 'rec' | 'data'>;

/** Training images looked at to tell whether a plain grey dataset is in MNIST form. */
const FORM_SAMPLE = 32;

/** Whether most of (up to 32 evenly spread) training images are ink drawings in MNIST form (light ink on dark). */
function trainedOnInk(lr: RunData, side: number): boolean {
  const { train } = lr.data;
  const D = side * side;
  const k = Math.min(FORM_SAMPLE, train.count);
  const images: RawImage[] = [];
  for (let i = 0; i < k; i++) {
    const row = train.x.subarray(Math.floor((i * train.count) / k) * D, Math.floor((i * train.count) / k) * D + D);
    // Image splits keep bytes (datasets/rows.ts); floats in [0, 1] only where a caller built one so.
    const data = row instanceof Uint8Array ? row.slice() : Uint8Array.from(row, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
    images.push({ width: side, height: side, channels: 1, data });
  }
  const s = sampleStats(images);
  return s.decoded > 0 && s.mnistForm * 2 > s.decoded;
}

/**
 * How an image dropped onto run `lr` becomes its input: the import options its dataset was
 * resolved to (the run's config.json keeps them in its dataset report), so a colour image dropped
 * onto a colour model stays colour and is cropped or padded as the dataset was. Ink runs get
 * MNIST-style preprocessing (paper removed, ink fitted and centred) as before: the built-in MNIST
 * sets, datasets imported MNIST-style, and grey datasets that already were in MNIST form (light
 * ink on dark: MNIST's own files, this app's exports), whose files are plain but whose drops are
 * photos of ink on paper — unless the user chose `plain` preprocessing for the dataset, or the
 * dropped image `img` (when given) is itself already in MNIST form as the import judges one
 * (`inMnistForm`: e.g. one of the run's own training images), which then stays plain, as the
 * import would have made it.
 * @throws LabError UNSUPPORTED for a run trained on 2-D points.
 */
export function dropPreprocessing(lr: RunData, img?: RawImage): ResolvedImport {
  if (!lr.data.info.isImage) throw new LabError('UNSUPPORTED', 'this run was trained on 2-D points, not images');
  const { height, channels } = imageShape(lr.rec.shape);
  const size = height as ResolvedImport['size'];
  const resolved = lr.rec.datasetReport?.resolved ?? lr.data.resolved;
  if (!resolved) return { size, channels, fit: 'crop', preprocess: 'mnist-style', transpose: false };
  const r = { ...resolved, size, channels };
  const chosen = lr.rec.config.dataset.import?.preprocess === 'plain'; // the user's own choice stands
  if (r.preprocess !== 'plain' || chosen || channels !== 1 || (img && inMnistForm(img))) return r;
  return trainedOnInk(lr, size) ? { ...r, preprocess: 'mnist-style' } : r;
}

/**
 * An image file's bytes → run `lr`'s input (H·W·C floats in [0, 1], HWC), preprocessed by
 * `dropPreprocessing` of the decoded image. Throws LabError BAD_IMAGE (unreadable, oversized,
 * blank under MNIST-style).
 */
export async function preprocessDropped(lr: LoadedRun, bytes: Uint8Array): Promise<Float32Array> {
  const img = await decodeRaw(bytes, { maxSide: decodeSide(dropPreprocessing(lr)) });
  const b = preprocessPixels(img, dropPreprocessing(lr, img));
  const out = new Float32Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b[i] / 255;
  return out;
}

/**
 * Latent mean and log-variance (null for an AE) of one input `x` (inputDim floats), and the label
 * it was encoded under (-1 for unconditional models; `label` when given, else the best one); for a
 * CVAE also each tried label's negative ELBO (`negElbo`, nats: one value when `label` was given).
 */
export function encodeImage(
  lr: LoadedRun,
  x: Float32Array,
  label: number | undefined,
): { mean: Float32Array; logVar: Float32Array | null; label: number; negElbo?: Float32Array } {
  if (!isConditional(lr.rec.config.model.kind)) return { ...encodeArrays(lr.bundle, x, null, 1), label: -1 };
  const candidates = label !== undefined ? [label] : Array.from({ length: lr.rec.numClasses }, (_, i) => i);
  const n = candidates.length;
  const xs = new Float32Array(n * x.length);
  for (let i = 0; i < n; i++) xs.set(x, i * x.length);
  const ys = Int32Array.from(candidates);
  const enc = encodeArrays(lr.bundle, xs, ys, n);
  const d = lr.rec.config.model.latentDim;
  const recon = reconErrors(lr.bundle, xs, decodeArrays(lr.bundle, enc.mean, ys, n), n);
  const kl = tf.tidy(() => klPerSample(tf.tensor2d(enc.mean, [n, d]), tf.tensor2d(enc.logVar!, [n, d])).dataSync());
  let best = 0;
  for (let i = 1; i < n; i++) if (recon[i] + kl[i] < recon[best] + kl[best]) best = i;
  return {
    mean: enc.mean.slice(best * d, best * d + d),
    logVar: enc.logVar!.slice(best * d, best * d + d),
    label: candidates[best],
    // Each candidate's single-point negative ELBO (nats), in candidate order.
    negElbo: Float32Array.from({ length: n }, (_, i) => recon[i] + kl[i]),
  };
}
