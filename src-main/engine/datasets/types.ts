import type { DatasetReport, ImportOptions, ResolvedImport } from '../../../src-shared/datasets';
import type { DatasetInfo } from '../../../src-shared/types';
import type { RowValues } from './rows';

/**
 * One split: `count` rows of `inputDim` values (row-major) and their labels. Images keep their
 * pixels as bytes (HWC, value = round(255·v): a quarter of the memory of floats); toy sets keep
 * floats. Read rows as model inputs with `rowsF32` / `gatherRowsF32` / `copyRowF32` (./rows.ts).
 */
export interface Split {
  x: RowValues;
  y: Int32Array;
  count: number;
}

/**
 * A dataset ready to train on.
 *
 * - Images: `shape` = `[H, W, C]` (C = 1 grey, 3 RGB; H = W ∈ {28, 32, 64}), each row of
 *   `x` is H·W·C bytes in HWC order, 0 = black/no ink, 255 = white/full ink (as model inputs:
 *   floats in [0, 1], byte/255). `inputDim` = H·W·C.
 * - Toy 2-D sets: `shape` = `[2]`, `inputDim` = 2, standardised points (floats).
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
  /**
   * A saved run's view of data that changed since it was trained (../runData.ts): labels mapped
   * onto the run's classes, rows of other classes left out. Not the files' own class list: caches
   * keyed by the files (the classifier's) keep it apart.
   */
  relabelled?: true;
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
