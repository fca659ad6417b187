import type { DatasetReport, ImportOptions, ResolvedImport } from '../../../src-shared/datasets';
import type { DatasetInfo } from '../../../src-shared/types';

/** One split: `count` rows of `inputDim` floats (row-major; images HWC, values in [0, 1]) and their labels. */
export interface Split {
  x: Float32Array;
  y: Int32Array;
  count: number;
}

/**
 * A dataset ready to train on.
 *
 * - Images: `shape` = `[H, W, C]` (C = 1 grey, 3 RGB; H = W ∈ {28, 32, 64}), each row of
 *   `x` is H·W·C floats in HWC order, 0 = black/no ink, 1 = white/full ink. `inputDim` = H·W·C.
 * - Toy 2-D sets: `shape` = `[2]`, `inputDim` = 2, standardised points.
 * - Labels are class indices into `info.labelNames` (natural order for names that are numbers).
 */
export interface LoadedDataset {
  info: DatasetInfo;
  /** `[H, W, C]` for images, `[2]` for toy sets; the same array as `info.shape`. */
  shape: number[];
  /** Floats per example: H·W·C for images, 2 for toy sets. */
  inputDim: number;
  train: Split;
  test: Split;
  /** Non-fatal notes from loading (the report's warnings). */
  warnings?: string[];
  /** What the import found (kind, classes, split, skipped items, preprocessing); every dataset has one. */
  report: DatasetReport;
  /** Image data: how each image became an input (what a dropped image must go through: `preprocessForDataset`). */
  resolved?: ResolvedImport;
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

/** Import options with defaults filled in (what `DatasetRef.import` parses to). */
export type ImportSettings = ImportOptions;
