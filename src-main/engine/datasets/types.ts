import type { DatasetInfo } from '../../../src-shared/types';

/** One split: `count` rows of `inputDim` floats (row-major) and their labels. */
export interface Split {
  x: Float32Array;
  y: Int32Array;
  count: number;
}

export interface LoadedDataset {
  info: DatasetInfo;
  /** Floats per example (784 for 28×28 images, 2 for toy sets). */
  inputDim: number;
  train: Split;
  test: Split;
  /** Non-fatal notes from loading (e.g. skipped files in a folder dataset). */
  warnings?: string[];
  /** Folder datasets: how images were turned into 28×28 inputs. */
  preprocessing?: 'mnist-style' | 'fit';
}

export type LoadPhase = 'download' | 'decode' | 'ready';
export interface LoadProgress {
  phase: LoadPhase;
  loaded: number;
  total: number;
}

export interface LoadOptions {
  /** Folder for downloads and caches (e.g. `<workspace>/data`). */
  dataDir: string;
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  /** Injection seam for downloads (tests serve generated files). Defaults to global fetch. */
  fetchImpl?: typeof fetch;
}
