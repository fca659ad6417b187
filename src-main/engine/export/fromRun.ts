/**
 * `export:start` for a loaded run: samples and decodes the generated dataset in chunks of 1,000
 * (or encodes the test split, the training split or both for embeddings: `ExportRequest.split`) and hands it to the atomic writers.
 */
import { collapseWarning } from '../../../src-shared/collapse';
import type { ExportRequest, ExportResult } from '../../../src-shared/types';
import { imageShape, LabError } from '../../../src-shared/types';
import type { LoadedDataset, Split } from '../datasets/types';
import { dropPreprocessing } from '../encodeImage';
import { decodeArrays, encodeArrays } from '../metrics';
import { isConditional, type ModelBundle } from '../models/build';
import { latentSampler } from '../runPrior';
import type { RunRecord, RunStore } from '../runs';
import { APP_VERSION } from '../version';
import { writeEmbeddings, writeGeneratedExport, type ExportOptions, type GeneratedChunk } from './index';

/**
 * What an export needs of a loaded run. Generated images need only the model and the record
 * (`data` may be absent: a run whose data is gone, ../runCache.ts `RunModel`); embeddings need
 * the data.
 */
export interface ExportableRun {
  rec: RunRecord;
  bundle: ModelBundle;
  data?: LoadedDataset;
  /** Why `data` is absent (../runCache.ts `RunModel`). */
  dataError?: LabError;
}

/** Whether a run's input shape is an image's ([H, W] or [H, W, 1|3]; 2-D toy points are [2]). */
function isImageShape(shape: readonly number[]): boolean {
  return (shape.length === 2 || shape.length === 3) && (shape.length === 2 || shape[2] === 1 || shape[2] === 3);
}

const CHUNK = 1000;

/** The `export:progress` message while a run's fitted prior is fitted on first use (../runPrior.ts). */
export const FITTING_MESSAGE = 'Fitting the run’s prior to its training data (once; saved with the run)…';

/** Images of ink drawings (light on dark), shown dark on white in a sprite: a run whose drops are MNIST-style. */
const inkImages = (lr: { rec: RunRecord; data: LoadedDataset }) => dropPreprocessing(lr).preprocess === 'mnist-style';

/** Rows of `a` then of `b` (`D` values each) as one split, in a new array of their type. */
function joinSplits(a: Split, b: Split, D: number): Split {
  const x = a.x instanceof Uint8Array ? new Uint8Array((a.count + b.count) * D) : new Float32Array((a.count + b.count) * D);
  x.set(a.x.subarray(0, a.count * D));
  x.set(b.x.subarray(0, b.count * D), a.count * D);
  const y = new Int32Array(a.count + b.count);
  y.set(a.y.subarray(0, a.count));
  y.set(b.y.subarray(0, b.count), a.count);
  return { x, y, count: a.count + b.count };
}

/**
 * Write the export `req` asks for (destination `req.out`, absolute) from run `lr`. Images keep
 * the run's shape [H, W, C]; a collapsed run's image export carries a warning that its samples
 * will be near-identical (`ExportResult.warnings`). Samples come from the prior `req.prior` names
 * (../runPrior.ts; `store`: where a fitted prior fitted here for an older run is saved), recorded
 * in the manifest.
 * @throws LabError UNSUPPORTED (image formats of a non-image model; a fitted prior the run's data
 *   cannot give), and whatever the writers throw (INVALID_PAYLOAD, EXISTS, BUSY, CANCELLED, IO).
 */
export async function exportFromRun(req: ExportRequest, lr: ExportableRun, opts: ExportOptions, store?: RunStore): Promise<ExportResult> {
  const { rec } = lr;
  const ds = rec.config.dataset;
  // A user's own data is named by its path too: `local` alone does not say where the images came from.
  const runInfo = { runId: rec.id, modelKind: rec.config.model.kind, latentDim: rec.config.model.latentDim, dataset: ds.id, ...(ds.path ? { datasetPath: ds.path } : {}) };
  const img = (lr.data ? lr.data.info.isImage : isImageShape(rec.shape)) ? imageShape(rec.shape) : null;
  if (req.format === 'embeddings') {
    // The split's images encoded: nothing to do without them.
    const data = lr.data;
    if (!data) throw lr.dataError ?? new LabError('DATA_MISSING', `embeddings encode the run's ${req.split === 'all' ? 'images' : `${req.split} split`}, and its dataset could not be loaded`);
    const s = req.split === 'all' ? joinSplits(data.train, data.test, data.inputDim) : data[req.split];
    const { mean } = encodeArrays(lr.bundle, s.x, s.y, s.count);
    const r = await writeEmbeddings(
      req.out,
      {
        vectors: mean,
        dim: rec.config.model.latentDim,
        labels: s.y,
        labelNames: rec.labelNames,
        images: img ? s.x : undefined,
        height: img?.height,
        width: img?.width,
        channels: img?.channels,
        invert: img ? inkImages({ rec, data }) : undefined,
        count: s.count,
        manifest: { ...runInfo, split: req.split, ...(req.split === 'all' ? { trainCount: data.train.count, testCount: data.test.count } : {}), created: new Date().toISOString(), appVersion: APP_VERSION },
      },
      opts,
    );
    return { out: r.out, format: req.format, total: s.count, countPerLabel: {}, files: r.files };
  }
  if (!img) throw new LabError('UNSUPPORTED', 'image exports need a model trained on images');
  const collapsed = collapseWarning(rec.config.model.kind, rec.metrics);
  const cond = isConditional(rec.config.model.kind);
  const labelList = cond ? (req.label !== undefined ? [req.label] : Array.from({ length: rec.numClasses }, (_, i) => i)) : [-1];
  const total = req.count * labelList.length;
  const countPerLabel: Record<string, number> = {};
  for (const l of labelList) countPerLabel[l < 0 ? 'unlabeled' : rec.labelNames[l]] = req.count;
  const d = rec.config.model.latentDim;
  // A fitted prior the run does not have yet is fitted first (seconds): say so before it starts.
  if (req.prior === 'fitted' && !rec.fittedPrior) opts.onProgress?.(0, total, FITTING_MESSAGE);
  // One stream for the whole export: the same seed gives the same latents in any chunking.
  const sample = await latentSampler(lr, req.prior, req.temperature, req.seed, store);
  async function* chunks(): AsyncIterable<GeneratedChunk> {
    for (const l of labelList) {
      for (let s = 0; s < req.count; s += CHUNK) {
        const m = Math.min(CHUNK, req.count - s);
        const labels = new Int32Array(m).fill(l);
        const z = sample(labels);
        const images = decodeArrays(lr.bundle, z, cond ? labels : null, m);
        yield { images, labels, z, count: m };
        await new Promise<void>((r) => setImmediate(r));
      }
    }
  }
  const r = await writeGeneratedExport(
    req.format,
    req.out,
    { total, height: img.height, width: img.width, channels: img.channels, latentDim: d, labelNames: rec.labelNames, chunks: chunks() },
    {
      ...runInfo,
      seed: req.seed,
      temperature: req.temperature,
      prior: req.prior,
      countPerLabel,
      created: new Date().toISOString(),
      appVersion: APP_VERSION,
      ...(collapsed ? { warnings: [collapsed] } : {}),
    },
    opts,
  );
  return { out: r.out, format: req.format, total, countPerLabel, files: r.files, ...(collapsed ? { warnings: [collapsed] } : {}) };
}
