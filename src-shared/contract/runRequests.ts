/**
 * The `training:*` requests (one run trains at a time) and the `runs:*` requests over the saved
 * runs of the workspace.
 * Part of the one `requests` table (../contract.ts).
 */
import { z } from 'zod';
import { DatasetInfo, Metrics, RUN_NAME_MAX, RunSummary, TrainConfig, TrainProgress, TrainState } from '../types';
import { runId, Empty, Ok, EpochRecord, req } from './payloads';

export const runRequests = {
  'training:start': req(
    TrainConfig,
    z.object({
      runId,
      /** What the start adjusted, in words (a batch larger than the training set, clamped); the run keeps them. */
      warnings: z.array(z.string()).optional(),
    }),
    'Start training a new run.',
  ),
  'training:pause': req(Empty, z.object({ state: TrainState }), 'Pause the running training.'),
  'training:resume': req(Empty, z.object({ state: TrainState }), 'Resume a paused training.'),
  'training:stop': req(Empty, z.object({ state: TrainState }), 'Stop training; keeps what was learnt.'),
  'training:status': req(Empty, TrainProgress.nullable(), 'Last progress of the current/last run.'),

  'runs:list': req(Empty, z.array(RunSummary), 'Saved runs, newest first.'),
  'runs:open': req(
    z.object({ runId }).strict(),
    RunSummary.extend({
      /**
       * The run's dataset as loaded for it: own data as the folder is now, its labels mapped onto
       * the run's classes (`labelNames` are the run's; rows of classes it does not know left out)
       * and, when it differs from the run's training data, the warning first in `warnings`/`report`.
       */
      data: DatasetInfo.optional(),
    }),
    "Make a saved run the active model; its warnings include how its data differs from its training data.",
  ),
  'runs:rename': req(
    z.object({ runId, name: z.string().trim().min(1).max(RUN_NAME_MAX) }).strict(),
    RunSummary,
    'Rename a run.',
  ),
  'runs:locateData': req(
    z
      .object({
        runId,
        /** Where the run's own data (folder or dataset file) is now: an absolute path (a leading `~` is the home folder). */
        path: z.string().trim().min(1).max(4096),
        /** false: use the data there for this engine's session only, the run record keeps its path (the CLI's `--data`). */
        save: z.boolean().default(true),
      })
      .strict(),
    RunSummary,
    "Point a run at its moved data: loads it with the run's import options, checks it against the run (shape, classes, counts) and saves the new path (unless save is false); the answer's warnings say what differs.",
  ),
  'runs:delete': req(z.object({ runId }).strict(), Ok, 'Delete a run folder.'),
  'runs:metrics': req(
    z.object({ runId }).strict(),
    Metrics.extend({
      /** The in-app classifier's numbers are still to come (trained in the background; `runs:metricsUpdated`). */
      pending: z.boolean().optional(),
    }),
    "A run's test metrics: as saved (computed and saved first when missing); the in-app classifier's numbers are added in the background.",
  ),
  'runs:history': req(
    z.object({ runId }).strict(),
    z.object({
      epochs: z.array(EpochRecord),
      /** Lines of metrics.jsonl that could not be read (cut short or not an epoch record). */
      skipped: z.number().int().nonnegative(),
    }),
    "A run's epoch history (its metrics.jsonl), in epoch order: the loss curves of a saved run.",
  ),
} as const;
