/**
 * A run's record (`<workspace>/runs/<id>/config.json`): its schema and file version, the run id's
 * characters, and the listing's summary of a record. Split out of ./runs.ts (the run store), which
 * re-exports `RUN_FILE_VERSION`, `RunRecord` and `summary`.
 */
import { z } from 'zod';
import { DatasetReport, RunSummary } from '../../src-shared/types';
import { FittedPrior } from './fittedPrior';

export const RUN_FILE_VERSION = 1;

/** What a run needs to rebuild its model spec without loading the dataset. */
export const RunRecord = z
  .object({ version: z.literal(RUN_FILE_VERSION) })
  // The listing's fields (id, name, created, config, state, epochsDone, metrics, error, warnings), then the run's own.
  .extend(RunSummary.shape)
  .extend({
    inputDim: z.number().int().positive(),
    numClasses: z.number().int().positive(),
    /**
     * `[H, W, C]` of an image, `[2]` for toy sets. Runs saved before colour say `[H, W]`: read as
     * `[H, W, 1]`. (Their `config.dataset` saying `folder` reads as `local`: see DatasetRef.)
     */
    shape: z
      .array(z.number().int().positive())
      .transform((s) => (s.length === 2 ? [s[0], s[1], 1] : s)),
    labelNames: z.array(z.string()),
    /** What the dataset import found (kind, classes, split, skipped items, warnings); runs saved before it have none. */
    datasetReport: DatasetReport.optional(),
    /**
     * The training data's content fingerprint (../runData.ts `dataFingerprint`: label names, split
     * counts and labels, a sample of rows), checked when the run's data is loaded again; runs saved
     * before it have none (checked on their label names and report only).
     */
    dataFingerprint: z.string().optional(),
    output: z.enum(['bernoulli', 'gaussian']),
    /** Per-dimension mean and std of the training latents (the AE "prior" and manifold ranges). */
    latentStats: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).nullable(),
    /**
     * The Gaussian mixture fitted to the training points' posterior means at the run's end
     * (./fittedPrior.ts; `prior: 'fitted'` samples it). Absent for runs saved before it existed
     * (fitted on demand then, ./runPrior.ts) and null before the run's end.
     */
    fittedPrior: FittedPrior.nullable().optional(),
    /** The engine process training this run (state `training`/`paused`); a dead one means it was interrupted. */
    pid: z.number().int().positive().optional(),
  });
export type RunRecord = z.infer<typeof RunRecord>;

/** A run id's characters (its folder's name). */
export const ID_RE = /^[A-Za-z0-9._-]+$/;

export function summary(rec: RunRecord): RunSummary {
  return {
    id: rec.id,
    name: rec.name,
    created: rec.created,
    config: rec.config,
    state: rec.state,
    epochsDone: rec.epochsDone,
    ...(rec.epochsTrained ? { epochsTrained: rec.epochsTrained } : {}),
    metrics: rec.metrics,
    ...(rec.error ? { error: rec.error } : {}),
    ...(rec.warnings?.length ? { warnings: rec.warnings } : {}),
    ...(rec.copyOf ? { copyOf: rec.copyOf } : {}),
    ...(rec.interruptedAfter ? { interruptedAfter: rec.interruptedAfter } : {}),
    ...(rec.trainedBy ? { trainedBy: rec.trainedBy } : {}),
    ...(rec.trainer ? { trainer: rec.trainer } : {}),
  };
}
