/**
 * Domain types shared by the engine, the Electron shell, browser mode, the renderer and tests.
 * Every type is inferred from a zod schema so validation and typing have one source of truth.
 * The one module importers use; its parts, one per idea: ./model.ts (ModelConfig), ./vaegan.ts
 * (VAE-GAN defaults and losses), ./training.ts (TrainConfig, TrainProgress), ./runs.ts (Metrics,
 * RunSummary, exports), ./engineInfo.ts (backend, EngineInfo), ./datasets.ts (dataset ids,
 * references, import reports). Here: `DatasetInfo`, the error codes and `LabError`, image limits.
 * Pure TypeScript: no Node, Electron or DOM imports.
 */
import { z } from 'zod';
import { DatasetId, DatasetReport } from './datasets';

export { GAN_ADAM_BETA1, GAN_LOSS_DESCRIPTIONS, GAN_LOSSES, GanLoss, ganChance, GanParts, VAEGAN_DEFAULTS, vaeganSettings, withSavedGanSettings, emaDecayAt, SAVED_RUN_EMA_DECAY, type VaeganSettings } from './vaegan';
export * from './model';
export * from './training';
export * from './runs';
export * from './engineInfo';

// Dataset vocabulary (ids, references with import options, the import report): src-shared/datasets.ts.
export * from './datasets';

export const DatasetInfo = z.object({
  id: DatasetId,
  title: z.string(),
  description: z.string(),
  /** [height, width, channels] for images (channels 1 = grey, 3 = RGB), [2] for toy 2-D sets. */
  shape: z.array(z.number().int().positive()),
  labelNames: z.array(z.string()),
  trainCount: z.number().int().nonnegative(),
  testCount: z.number().int().nonnegative(),
  /** true when usable right now without a download or a path. */
  available: z.boolean(),
  isImage: z.boolean(),
  /** Non-fatal notes from loading, e.g. files of a folder dataset that were skipped and why. */
  warnings: z.array(z.string()).optional(),
  /** What loading found (kind, classes with counts, split, skipped items, preprocessing): once loaded. */
  report: DatasetReport.optional(),
});
export type DatasetInfo = z.infer<typeof DatasetInfo>;

/** Error codes used across the contract, the engine and the CLI. */
export const ERROR_CODES = [
  'INVALID_PAYLOAD',
  'UNKNOWN_REQUEST',
  'NOT_FOUND',
  /** A saved run's own data folder or file is not where the run recorded it (moved, renamed, deleted). */
  'DATA_MISSING',
  'BUSY',
  'NO_MODEL',
  'BAD_IMAGE',
  'BAD_DATASET',
  'BAD_FILE',
  'TOO_LARGE',
  'UNSUPPORTED',
  'DIVERGED',
  'CANCELLED',
  'EXISTS',
  'IO',
  'ENGINE_DOWN',
  'INTERNAL',
] as const;
export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The one error type the engine throws on purpose; anything else is INTERNAL. */
export class LabError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'LabError';
    this.code = code;
  }
}

/** Upper bound on a dropped/encoded image file, checked before the bytes are read whole. */
export const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
/** Upper bound on decoded image pixels (width × height), checked from the header. */
export const MAX_IMAGE_PIXELS = 50_000_000;
