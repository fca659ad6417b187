/**
 * The long jobs besides training, each with progress events and a cancel: `projection:*`
 * (PCA / UMAP of latents), `export:*` (generated datasets and projector embeddings) and
 * `classifier:cancel` / `classifier:start` (the in-app classifier's training, which runs' metrics
 * start when needed; started again by the user after a cancel).
 * Part of the one `requests` table (../contract.ts).
 */
import { z } from 'zod';
import { ExportRequest, ExportResult } from '../types';
import { F32, Empty, Ok, req } from './payloads';

export const jobRequests = {
  'projection:compute': req(
    z
      .object({
        method: z.enum(['pca', 'umap']),
        latents: F32,
        dim: z.number().int().min(1).max(64),
        seed: z.number().int().min(0).optional(),
      })
      .strict(),
    z.object({ points: F32, method: z.enum(['pca', 'umap']) }),
    'Project latents to 3-D (PCA deterministic; UMAP seeded, with projection:progress).',
  ),
  'projection:cancel': req(Empty, Ok, 'Cancel a running UMAP.'),

  'export:start': req(ExportRequest, ExportResult, 'Export a generated dataset (export:progress events).'),
  'export:cancel': req(Empty, Ok, 'Cancel the running export; nothing complete-looking is left.'),

  'classifier:cancel': req(
    Empty,
    Ok,
    "Cancel the in-app classifier's training (classifier:progress); the metrics waiting for it come without the Fréchet distance and generation accuracy.",
  ),
  'classifier:start': req(
    Empty,
    z.object({ queued: z.number().int().min(0) }),
    "Start the in-app classifier again (after a cancel): every saved run on image data whose metrics lack its numbers is queued (runs:metricsUpdated with pending true, later with the numbers); its training goes on from its last checkpoint. `queued`: how many runs. UNSUPPORTED when LATENT_LAB_CLASSIFIER=0.",
  ),
} as const;
