/**
 * The `model:*` requests over the active (or given) run: encode, decode, reconstruct, generate,
 * interpolate, the manifold grid, neighbours, an image file dropped on the model, and the
 * exploration instruments (per-dimension statistics, typicality).
 * Part of the one `requests` table (../contract.ts).
 */
import { z } from 'zod';
import { MAX_IMAGE_BYTES } from '../types';
import { SamplePrior } from '../runs';
import { F32, I32, U8, finite, runId, split, Empty, ImageBatch, LatentBatch, Neighbors, req } from './payloads';

/**
 * A split's reconstruction errors summed up (`model:reconstruct`'s `quantiles`): `p50` its median
 * and `p95` its 95th percentile, in nats, read as the errors at worst-first ranks
 * round((1 − q)·(n − 1)), over `n` ≥ 1 images. The Recon tab colours errors from p50 to p95.
 */
export const ReconQuantiles = z.object({ p50: finite, p95: finite, n: z.number().int().min(1) });
export type ReconQuantiles = z.infer<typeof ReconQuantiles>;

export const modelRequests = {
  'model:latents': req(
    z
      .object({
        runId: runId.optional(),
        split,
        limit: z.number().int().min(1).max(1_000_000).optional(),
      })
      .strict(),
    LatentBatch,
    'Latent means of a dataset split under the active (or given) run.',
  ),
  'model:encode': req(
    z.object({ images: F32, count: z.number().int().min(1).max(100_000), labels: I32.optional() }).strict(),
    z.object({ mean: F32, logVar: F32.nullable(), dim: z.number().int(), count: z.number().int() }),
    'Encode already-preprocessed images (count × inputDim).',
  ),
  'model:decode': req(
    z
      .object({
        z: F32.refine((a) => a.every(Number.isFinite), 'latent values must be finite'),
        count: z.number().int().min(1).max(100_000),
        labels: I32.optional(),
      })
      .strict(),
    ImageBatch,
    'Decode latent vectors (count × latentDim); CVAE needs labels.',
  ),
  'model:reconstruct': req(
    z
      .object({
        runId: runId.optional(),
        split,
        offset: z.number().int().min(0).max(10_000_000),
        count: z.number().int().min(1).max(1000),
        worstFirst: z.boolean().default(false),
        /** true: the answer carries the split's error quantiles (`quantiles`; also given with `worstFirst`). */
        quantiles: z.boolean().default(false),
      })
      .strict(),
    z.object({
      originals: F32,
      reconstructions: F32,
      labels: I32,
      indices: I32,
      /** Per-image reconstruction loss in nats (Bernoulli: BCE), the posterior mean decoded. */
      errors: F32,
      count: z.number().int(),
      shape: z.array(z.number().int()),
      /**
       * The whole split's errors summed up (asked with `quantiles`, or given with `worstFirst`):
       * its median and 95th percentile, in nats, over `n` images. Computed once per run, split and
       * trained epoch.
       */
      quantiles: ReconQuantiles.optional(),
    }),
    'Originals and reconstructions side by side for a page of a split (active or given run); with the split\'s error quantiles when asked.',
  ),
  'model:generate': req(
    z
      .object({
        runId: runId.optional(),
        count: z.number().int().min(1).max(1000),
        label: z.number().int().min(0).max(9999).optional(),
        temperature: finite.pipe(z.number().min(0).max(10)).default(1),
        seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
        /** Where the samples are drawn from: the model's prior or the mixture fitted to its data (`SamplePrior`). */
        prior: SamplePrior.default('standard'),
      })
      .strict(),
    ImageBatch.extend({ labels: I32, z: F32 }),
    'Sample from the prior of the active (or given) run, or from its fitted prior (CVAE: for a label).',
  ),
  'model:interpolate': req(
    z
      .object({
        from: F32,
        to: F32,
        steps: z.number().int().min(2).max(100),
        label: z.number().int().min(0).max(9999).optional(),
        /**
         * CVAE: the label at the `to` end. The decoder's one-hot label input then blends linearly
         * from `label` to `labelTo` along the path (step i gets (1 − t)·onehot(label) + t·onehot(labelTo));
         * left out, every step is decoded as `label`.
         */
        labelTo: z.number().int().min(0).max(9999).optional(),
      })
      .strict(),
    ImageBatch.extend({ z: F32 }),
    'Linear interpolation between two latent points, decoded (CVAE: under one label, or blending two).',
  ),
  'model:manifold': req(
    z
      .object({
        dims: z.tuple([z.number().int().min(0).max(63), z.number().int().min(0).max(63)]),
        steps: z.number().int().min(2).max(60).default(15),
        range: finite.pipe(z.number().positive().max(100)).default(3),
        label: z.number().int().min(0).max(9999).optional(),
      })
      .strict(),
    ImageBatch.extend({ z: F32 }),
    'A grid of decodes over two latent dimensions (others at 0), row-major, top row = max.',
  ),
  'model:neighbors': req(
    z.object({ z: F32, k: z.number().int().min(1).max(100).default(5) }).strict(),
    Neighbors,
    'k nearest training points of a latent point.',
  ),
  'model:encodeFile': req(
    z
      .object({
        name: z.string().max(1000),
        bytes: U8.refine((b) => b.byteLength <= MAX_IMAGE_BYTES, `file larger than ${MAX_IMAGE_BYTES} bytes`),
        label: z.number().int().min(0).max(9999).optional(),
      })
      .strict(),
    z.object({
      /** The preprocessed model input: H·W·C floats in [0, 1] (HWC, `shape`), as the run's dataset was made. */
      input: F32,
      shape: z.array(z.number().int()),
      mean: F32,
      logVar: F32.nullable(),
      reconstruction: F32,
      neighbors: Neighbors,
      /**
       * CVAE encoded without a label: the label it chose and how well each label fits, as
       * p(label | image) = softmax over labels of −(negative ELBO) — the ELBO standing in for
       * log p(image | label), labels equally likely a priori. Absent otherwise.
       */
      labelFit: z.object({ label: z.number().int(), probabilities: F32 }).optional(),
    }),
    "Decode an image file, preprocess it as the run's dataset was (size, colour, crop/pad; MNIST-style for ink runs), and encode it.",
  ),

  'model:dimStats': req(
    Empty,
    z.object({
      dim: z.number().int(),
      /** Test points the statistics are over. */
      count: z.number().int(),
      /** Mean KL (nats) of each latent dimension over the test split; null for an AE. */
      klPerDim: z.array(z.number()).nullable(),
      /** Mean and variance across the test split of each dimension's posterior mean. */
      mean: z.array(z.number()),
      variance: z.array(z.number()),
      /** Dimensions whose posterior-mean variance exceeds 0.01. */
      activeUnits: z.number().int(),
    }),
    'Per-dimension statistics of the active run on its test split (KL bars, collapse, traversal order).',
  ),
  'model:typicality': req(
    z
      .object({
        /** One preprocessed input (inputDim floats, e.g. `model:encodeFile`'s `input`). */
        input: F32.refine((a) => a.every(Number.isFinite), 'input values must be finite'),
        label: z.number().int().min(0).max(9999).optional(),
      })
      .strict(),
    z.object({
      /** Negative ELBO with the posterior mean for z (AE: reconstruction loss), nats. */
      score: z.number(),
      measure: z.enum(['negElbo', 'recon']),
      /** Share (0–100) of test images scoring at or below `score`. */
      percentile: z.number().min(0).max(100),
      /** The rate: the ELBO's KL(q(z|x) ‖ N(0, I)) term, nats (part of `score`); null for an AE. */
      rate: z.number().nullable(),
      /** Share (0–100) of test images whose rate is at or below `rate`; null for an AE. */
      ratePercentile: z.number().min(0).max(100).nullable(),
      /** The central share (%) of the test images' values counted typical (98: outside = below the 1st or above the 99th percentile, for the score and the rate alike). */
      band: z.number().min(0).max(100),
      /**
       * What lies outside that band, score first; empty when the input is typical. `high` score:
       * worse than (almost) every test image; `low` score: better — blank or very simple inputs,
       * which likelihood models rate too well; `low` rate: the encoder finds almost nothing to encode.
       */
      outside: z.array(
        z.object({
          statistic: z.enum(['score', 'rate']),
          tail: z.enum(['low', 'high']),
          /** The input's value (nats) and its share (0–100) of test images at or below it. */
          value: z.number(),
          percentile: z.number().min(0).max(100),
          /** The test images' percentile it lies beyond (the 1st or 99th for band 98), nats. */
          bound: z.number(),
        }),
      ),
      /** The label scored under (CVAE: given or best fit), −1 otherwise. */
      label: z.number().int(),
      testCount: z.number().int(),
      /** The 0th…100th percentiles of the test images' scores (101 values). */
      testQuantiles: F32,
      /** The 0th…100th percentiles of the test images' rates (101 values); null for an AE. */
      rateQuantiles: F32.nullable(),
    }),
    "How typical one input is: its negative ELBO and rate against the test images' in a two-sided test (cached per run).",
  ),
} as const;
