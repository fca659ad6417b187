/**
 * The contract's vocabulary for datasets: which data, how it is imported, and the report of what
 * an import found (the "check before training" panel, `latent-lab inspect --json`, the run's
 * config.json). Pure zod: imported by the engine, the CLI, the renderer and tests.
 */
import { z } from 'zod';

export const DATASET_IDS = [
  'mnist',
  'mnist-full',
  'fashion-mnist',
  'toy-moons',
  'toy-spirals',
  'toy-blobs',
  /** The user's own data at `path`: a folder or a dataset file, its kind detected (DATASET_KINDS). */
  'local',
] as const;
export const DatasetId = z.enum(DATASET_IDS);
export type DatasetId = z.infer<typeof DatasetId>;

/** Square sides an image dataset is brought to. */
export const IMAGE_SIZES = [28, 32, 64] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];

/**
 * How a user's images become model inputs. Defaults: ink drawings (MNIST-like: a few strokes on a
 * plain background) → 28, grey, MNIST-style preprocessing — unless they already are in MNIST form
 * (square at an allowed size, light ink on dark), which get no MNIST-style processing; anything else → the
 * allowed size nearest to the images' median side (28 up to 30 px, 32 below 48 px, else 64),
 * colour kept when the images have colour, fitted by centre-crop. Arrays (IDX, NumPy, CSV) are
 * decided the same way from a sample of their images.
 */
export const ImportOptions = z
  .object({
    /** Side of the square inputs; `auto` as above. */
    size: z.union([z.literal('auto'), z.literal(28), z.literal(32), z.literal(64)]).default('auto'),
    /** 1 = grey, 3 = RGB; `auto` = 3 when any image has colour, else 1. */
    channels: z.union([z.literal('auto'), z.literal(1), z.literal(3)]).default('auto'),
    /** A non-square image is centre-cropped or padded (with its background colour) to a square. */
    fit: z.enum(['crop', 'pad']).default('crop'),
    /**
     * `mnist-style`: background estimated and removed, ink thresholded, fitted in a 20×20 box,
     * centred by mass in 28×28 (ink = 1). `plain`: resized only (values = intensity, or RGB).
     * `auto`: mnist-style for ink drawings, else plain.
     */
    preprocess: z.enum(['auto', 'mnist-style', 'plain']).default('auto'),
    /** IDX files that store each image transposed (EMNIST). */
    transpose: z.boolean().default(false),
  })
  .strict();
export type ImportOptions = z.infer<typeof ImportOptions>;
export type ImportOptionsInput = z.input<typeof ImportOptions>;

const datasetPath = z.string().min(1).max(4096);

/** A dataset choice as it is today. */
const CurrentRef = z
  .object({
    id: DatasetId,
    path: datasetPath.optional(),
    import: ImportOptions.optional(),
  })
  .strict()
  .refine((d) => d.id !== 'local' || !!d.path, { message: 'your own data needs a path (a folder or a dataset file)', path: ['path'] })
  .refine((d) => d.id === 'local' || d.import === undefined, { message: 'import options apply to your own data only', path: ['import'] });

/** Runs saved (and renderers built) before `local` existed say `folder`: read as `local`. */
const LegacyFolderRef = z
  .object({ id: z.literal('folder'), path: datasetPath, import: ImportOptions.optional() })
  .strict()
  .transform((d) => ({ ...d, id: 'local' as const }));

/**
 * A dataset choice. `local` needs `path` (any layout in DATASET_KINDS, detected) and takes
 * `import` options (defaults filled in when parsed). `folder` is accepted as input and becomes
 * `local`.
 */
export const DatasetRef = z.discriminatedUnion('id', [CurrentRef, LegacyFolderRef]);
export type DatasetRef = z.infer<typeof DatasetRef>;
export type DatasetRefInput = z.input<typeof DatasetRef>;

/** The import options with every `auto` decided: how each image became a model input. */
export const ResolvedImport = z.object({
  size: z.union([z.literal(28), z.literal(32), z.literal(64)]),
  channels: z.union([z.literal(1), z.literal(3)]),
  fit: z.enum(['crop', 'pad']),
  preprocess: z.enum(['mnist-style', 'plain']),
  transpose: z.boolean(),
});
export type ResolvedImport = z.infer<typeof ResolvedImport>;

/**
 * What an import detected. `imagefolder`: one sub-folder per class; `split-root`: `train/` and
 * `test/` (or `val/`) each with the same class folders; `hf-imagefolder`: a `metadata.csv` with
 * `file_name` and `label`; `idx`: IDX image/label files (raw or gzip; `mnist-full` /
 * `fashion-mnist` placed by hand are this kind with `verified` set); `npz` / `npy`: NumPy arrays;
 * `csv`: a label column and pixel columns.
 */
export const DATASET_KINDS = ['builtin', 'imagefolder', 'split-root', 'hf-imagefolder', 'idx', 'npz', 'npy', 'csv', 'toy'] as const;
export const DatasetKind = z.enum(DATASET_KINDS);
export type DatasetKind = z.infer<typeof DatasetKind>;

/** The one class images without any label are imported as (a flat folder, a metadata.csv without labels). */
export const UNLABELED_CLASS = 'unlabeled';

/** One class: its name (folder name, CSV/metadata label, or the digit) and its counts. */
export const ClassCount = z.object({ name: z.string(), train: z.number().int().nonnegative(), test: z.number().int().nonnegative() });
export type ClassCount = z.infer<typeof ClassCount>;

/**
 * Why items were skipped, counted. Keys are reasons in words (e.g. "not an image file",
 * "could not be decoded", "listed in metadata.csv but missing", "symbolic-link cycle"); hidden
 * and system files (.DS_Store, Thumbs.db, __MACOSX, .ipynb_checkpoints) are ignored quietly and
 * not counted here.
 */
export const SkipCounts = z.record(z.string(), z.number().int().nonnegative());
export type SkipCounts = z.infer<typeof SkipCounts>;

/** What an import found: the "check before training" report. */
export const DatasetReport = z.object({
  kind: DatasetKind,
  /** The real path that was read (local data). */
  path: z.string().optional(),
  /** How the train/test split came to be: given by the files, or a seeded 80/20 split. */
  split: z.enum(['given', 'random']),
  classes: z.array(ClassCount),
  skipped: SkipCounts,
  /** The first few skipped files, each named with why (`red/README.txt: not an image file`). */
  skippedExamples: z.array(z.string()).optional(),
  /** How images were turned into inputs, in words (e.g. "MNIST-style: ink on a light background"). */
  preprocessing: z.string().optional(),
  /** The import options as resolved (`auto` replaced by what was chosen); image data only. */
  resolved: ResolvedImport.optional(),
  /** Hand-placed mnist-full / fashion-mnist files: checked by published SHA-256, or by IDX structure only. */
  verified: z.enum(['sha256', 'structure']).optional(),
  /** Non-fatal findings, in words (also `DatasetInfo.warnings`): what to look at before training. */
  warnings: z.array(z.string()),
});
export type DatasetReport = z.infer<typeof DatasetReport>;

/** Shape of one image: [height, width, channels]. Runs saved before colour say [height, width]. */
export interface ImageShape {
  height: number;
  width: number;
  channels: 1 | 3;
}

/** `[H, W]` or `[H, W, C]` → {height, width, channels} (C = 1 when absent). Throws on anything else. */
export function imageShape(shape: readonly number[]): ImageShape {
  if (shape.length !== 2 && shape.length !== 3) throw new Error(`not an image shape: [${shape.join(', ')}]`);
  const c = shape.length === 3 ? shape[2] : 1;
  if (c !== 1 && c !== 3) throw new Error(`images have 1 or 3 channels, not ${c}`);
  return { height: shape[0], width: shape[1], channels: c };
}

/** Floats per image (H·W·C). */
export function imageSize(shape: readonly number[]): number {
  const s = imageShape(shape);
  return s.height * s.width * s.channels;
}
