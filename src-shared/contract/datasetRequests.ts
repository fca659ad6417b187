/**
 * The `datasets:*` requests: the registry, loading (with `dataset:progress`), samples, the check
 * before training (`datasets:inspect`) and cancelling loads.
 * Part of the one `requests` table (../contract.ts).
 */
import { z } from 'zod';
import { DatasetInfo, DatasetRef, DatasetReport } from '../types';
import { I32, split, Empty, Ok, ImageBatch, req } from './payloads';

export const datasetRequests = {
  'datasets:list': req(Empty, z.array(DatasetInfo), 'Every dataset in the registry.'),
  'datasets:prepare': req(
    z.object({ dataset: DatasetRef }).strict(),
    DatasetInfo,
    'Load (downloading if needed, with dataset:progress events) and describe a dataset.',
  ),
  'datasets:sample': req(
    z
      .object({
        dataset: DatasetRef,
        split,
        offset: z.number().int().min(0).max(10_000_000),
        count: z.number().int().min(1).max(10_000),
      })
      .strict(),
    ImageBatch.extend({ labels: I32 }),
    'Raw images and labels from a dataset split.',
  ),
  'datasets:inspect': req(
    z.object({ dataset: DatasetRef, perClass: z.number().int().min(1).max(64).default(8) }).strict(),
    z.object({
      info: DatasetInfo,
      report: DatasetReport,
      /**
       * Up to `perClass` images of every class (training images first, in order), exactly as
       * they will be trained (after preprocessing), grouped by class in class order.
       */
      preview: ImageBatch.extend({ labels: I32 }),
    }),
    'Check before training: load a dataset (dataset:progress events) and return its report and a preview of each class.',
  ),
  'datasets:cancel': req(Empty, Ok, 'Cancel the dataset loads in progress (their requests answer CANCELLED).'),
} as const;
