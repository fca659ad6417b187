/**
 * A trained in-app classifier: its tfjs model (./model.ts) and what is known about it
 * (`ClassifierInfo`, saved beside the model as `classifier.json`), with batched inference —
 * the features of the Fréchet distance and the predicted labels — on the engine's thread, on the
 * kernels (kernels/dense/kernelForward.ts; tfjs when they do not take the model), in slices
 * that yield to the event loop. `trainClassifier` trains one on a dataset
 * (./train.ts: the kernels in the training workers) and measures it on the test split.
 */
import * as tf from '@tensorflow/tfjs';
import type { ClassifierLayers } from '../kernels/dense/classifierPlan';
import { ClassifierForward, forwardFlops } from '../kernels/dense/kernelForward';
import { rowsF32, type RowValues } from '../datasets/rows';
import type { SplitData } from '../metrics';
import { assignFlat, flatWeights as flatVariables } from '../parallel/runSetup';
import { buildClassifierModel, classifierLayers, classifierTraining, CLASSIFIER_VERSION, featuresAndLogits, type ClassifierTraining } from './model';
import { resumeProblem, trainClassifierWeights, type TrainWeightsOptions } from './train';

/** What `classifier.json` records about a trained classifier. */
export interface ClassifierInfo {
  version: number;
  /** The dataset's cache identity (datasets/cache.ts: key and fingerprint) it was trained on. */
  dataset: { key: string; fingerprint: string };
  labelNames: string[];
  layers: ClassifierLayers;
  training: ClassifierTraining;
  /** Fraction of the test split it labels correctly, and the test split's size. */
  testAccuracy: number;
  testCount: number;
  trainCount: number;
  /** Wall seconds of the training (workers started to last epoch done). */
  trainSeconds: number;
  workers: number;
  simd: 'relaxed' | 'plain';
  /** ISO time it was trained. */
  trainedAt: string;
}

/** Rows per inference slice on tfjs (one `predict`, then a yield). */
const SLICE = 500;
/** Forward FLOPs per slice on the kernels (≈ 20 GFLOP/s on one thread: ≈ 25 ms). */
const KERNEL_SLICE_FLOPS = 400e6;

/** Index of the largest of each row's `k` values (the first on ties, as tf.argMax). */
function argMaxRows(v: Float32Array, rows: number, k: number): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (v[i * k + j] > v[i * k + best]) best = j;
    out[i] = best;
  }
  return out;
}
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

export class Classifier {
  private readonly heads: tf.LayersModel;
  /** Its forward pass on the kernels (made at the first `judge`; null: tfjs runs it). */
  private kernels: ClassifierForward | null | undefined;

  constructor(
    readonly model: tf.LayersModel,
    readonly info: ClassifierInfo,
  ) {
    this.heads = featuresAndLogits(model);
  }

  /** Values per row of the input (H·W·C). */
  get inputDim(): number {
    const [H, W, C] = this.info.layers.image;
    return H * W * C;
  }

  /** Length of a feature vector (the penultimate dense layer's units). */
  get featureDim(): number {
    const h = this.info.layers.hidden;
    return h[h.length - 1];
  }

  /**
   * The features (count × featureDim, row-major) and predicted labels (argmax of the logits) of
   * `count` rows of `x` (count × inputDim, flat as the dataset's: floats, or a split's bytes read
   * as byte/255). Batched, yielding between slices.
   */
  async judge(x: RowValues, count: number): Promise<{ features: Float32Array; labels: Int32Array }> {
    const D = this.inputDim;
    const F = this.featureDim;
    if (x.length < count * D) throw new Error(`classifier: ${x.length} values for ${count} rows of ${D}`);
    const features = new Float32Array(count * F);
    const labels = new Int32Array(count);
    const k = this.forwardOnKernels();
    // On the kernels, slices of ≈ 400 MFLOP (≈ 25 ms; 33 MNIST rows) between yields.
    const slice = k ? Math.max(1, Math.floor(KERNEL_SLICE_FLOPS / forwardFlops(k.plan))) : SLICE;
    const xBuf = k || x instanceof Float32Array ? undefined : new Float32Array(Math.min(slice, count) * D);
    for (let s = 0; s < count; s += slice) {
      const m = Math.min(slice, count - s);
      if (k) {
        const r = k.judge(x.subarray(s * D, (s + m) * D), m);
        features.set(r.features, s * F);
        labels.set(argMaxRows(r.logits, m, this.info.layers.classes), s);
        await yieldToLoop();
        continue;
      }
      const [f, l] = tf.tidy(() => {
        const outs = this.heads.predict(tf.tensor2d(rowsF32(x, D, s, m, xBuf), [m, D]), { batchSize: m }) as tf.Tensor[];
        return [outs[0], tf.argMax(outs[1], 1)];
      });
      features.set((await f.data()) as Float32Array, s * F);
      labels.set((await l.data()) as Int32Array, s);
      tf.dispose([f, l]);
      await yieldToLoop();
    }
    return { features, labels };
  }

  /** The kernels' forward pass with this model's weights, or null when they do not take it (tfjs then). */
  private forwardOnKernels(): ClassifierForward | null {
    if (this.kernels === undefined) {
      try {
        const k = new ClassifierForward(this.info.layers);
        const shapes = (ts: { shape: readonly (number | null)[] }[]) => ts.map((t) => t.shape.join('x')).join(',');
        if (shapes(k.plan.tensors) !== shapes(this.model.trainableWeights)) throw new Error('the kernels plan other layers');
        k.setWeights(flatWeights(this.model));
        this.kernels = k;
      } catch {
        this.kernels = null;
      }
    }
    return this.kernels;
  }

  /** Fraction of `split`'s rows (the first `limit`) whose predicted label is theirs. */
  async accuracy(split: SplitData, limit = split.count): Promise<number> {
    const n = Math.min(limit, split.count);
    if (!n) return 0;
    const { labels } = await this.judge(split.x, n);
    let ok = 0;
    for (let i = 0; i < n; i++) if (labels[i] === split.y[i]) ok++;
    return ok / n;
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** A dataset as the classifier's training sees it. */
export interface ClassifierData {
  shape: number[];
  labelNames: string[];
  train: SplitData;
  test: SplitData;
  /** The dataset's cache identity (recorded in the info). */
  identity: { key: string; fingerprint: string };
}

/** `trainClassifier`'s options: `trainClassifierWeights`'s, the training settings' overrides, and what to do with a checkpoint that does not fit. */
export type TrainClassifierOptions = Omit<TrainWeightsOptions, 'progressMs'> & {
  training?: Partial<ClassifierTraining>;
  /** `resume` does not fit this model or training (why, in words): it is ignored and the training starts at epoch 1. */
  onResumeIgnored?: (why: string) => void;
};

/**
 * Builds and trains the classifier for `data` (./model.ts's layers and settings; the kernels in
 * the training workers), from `opts.resume` when it fits (else from epoch 1, `onResumeIgnored`
 * says why), and measures its test accuracy. Throws as `classifierLayers` (not an image dataset)
 * and `trainClassifierWeights` (CANCELLED, DIVERGED, workers unavailable, `onEpochEnd`'s error).
 */
export async function trainClassifier(data: ClassifierData, opts: TrainClassifierOptions = {}): Promise<Classifier> {
  const layers = classifierLayers(data.shape, data.labelNames.length);
  const training = { ...classifierTraining(data.train.count), ...opts.training };
  const model = buildClassifierModel(layers, training.seed);
  try {
    const initial = flatWeights(model);
    const { training: _t, onResumeIgnored, ...rest } = opts;
    const problem = rest.resume && resumeProblem(rest.resume, initial.length, training, data.train.count);
    if (problem) {
      onResumeIgnored?.(problem);
      delete rest.resume;
    }
    const r = await trainClassifierWeights(layers, training, initial, data.train, rest);
    setFlatWeights(model, r.weights);
    const info: ClassifierInfo = {
      version: CLASSIFIER_VERSION,
      dataset: data.identity,
      labelNames: data.labelNames,
      layers,
      training,
      testAccuracy: 0,
      testCount: data.test.count,
      trainCount: data.train.count,
      trainSeconds: r.seconds,
      workers: r.workers,
      simd: r.simd,
      trainedAt: new Date().toISOString(),
    };
    const clf = new Classifier(model, info);
    info.testAccuracy = await clf.accuracy(data.test);
    return clf;
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** The model's trainable variables, in `trainableWeights` order (the order of its flat weights). */
function modelVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** The model's trainable weights, concatenated in order. */
export function flatWeights(model: tf.LayersModel): Float32Array {
  return flatVariables(modelVariables(model));
}

/** Writes flat weights (trainableWeights order) into the model; throws when their count differs from the model's. */
export function setFlatWeights(model: tf.LayersModel, flat: Float32Array): void {
  const vars = modelVariables(model);
  const size = vars.reduce((n, v) => n + v.size, 0);
  if (size !== flat.length) throw new Error(`classifier: ${flat.length} weights for a model of ${size}`);
  assignFlat(vars, flat);
}
