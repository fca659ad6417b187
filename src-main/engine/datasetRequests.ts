/**
 * The engine's dataset requests beyond list/prepare/sample: `datasets:inspect` (the check before
 * training: report plus a per-class preview of the images exactly as they will be trained) and
 * `datasets:cancel` (every dataset load in progress answers CANCELLED).
 */
import type { RequestOutput } from '../../src-shared/contract';
import type { LoadedDataset } from './datasets';
import { copyRowF32 } from './datasets/rows';

/** One abort signal shared by the dataset loads in flight; `cancel` aborts them and starts afresh. */
export class DatasetLoads {
  private ctrl = new AbortController();

  /** The signal to give a load starting now. */
  get signal(): AbortSignal {
    return this.ctrl.signal;
  }

  /** Aborts every load started before (they throw CANCELLED); later loads are unaffected. */
  cancel(): void {
    this.ctrl.abort();
    this.ctrl = new AbortController();
  }
}

/**
 * Up to `perClass` rows of every class, training rows first then test rows, each in split order;
 * grouped by class in class order. Floats as trained (`count × inputDim`), `shape` = the data's.
 */
export function previewRows(data: LoadedDataset, perClass: number): RequestOutput<'datasets:inspect'>['preview'] {
  const classes = Math.max(1, data.info.labelNames.length);
  const picked: Array<Array<{ split: 'train' | 'test'; row: number }>> = Array.from({ length: classes }, () => []);
  let left = classes * perClass;
  for (const split of ['train', 'test'] as const) {
    const s = data[split];
    for (let r = 0; r < s.count && left > 0; r++) {
      const bucket = picked[s.y[r]];
      if (bucket && bucket.length < perClass) {
        bucket.push({ split, row: r });
        left--;
      }
    }
  }
  const D = data.inputDim;
  const all = picked.flat();
  const images = new Float32Array(all.length * D);
  const labels = new Int32Array(all.length);
  let i = 0;
  picked.forEach((rows, c) => {
    for (const { split, row } of rows) {
      copyRowF32(data[split].x, D, row, images, i * D);
      labels[i++] = c;
    }
  });
  return { images, labels, count: all.length, shape: data.shape };
}

/** `datasets:inspect`: the loaded dataset's info, report and preview. */
export function inspectDataset(data: LoadedDataset, perClass: number): RequestOutput<'datasets:inspect'> {
  return { info: data.info, report: data.report, preview: previewRows(data, perClass) };
}
