/**
 * `models:describe`: the model card of a config on a dataset's shape, before anything trains —
 * parameter count, FLOPs per sample of a training step, and the layers.
 * Part of the one `requests` table (../contract.ts).
 */
import { z } from 'zod';
import { ModelConfig } from '../types';
import { req } from './payloads';

export const LAYER_TYPES = ['Dense', 'Conv2D', 'Conv2DTranspose'] as const;

/** One weight layer of the card, in forward order (encoder first, both latent heads as one row). */
export const ModelCardLayer = z.object({
  /** The tfjs layer's name (`enc_conv_0`, `enc_dense_0`, `z_mean + z_log_var`, …). */
  name: z.string(),
  type: z.enum(LAYER_TYPES),
  /** Output shape of one sample: [units] for Dense, [H, W, C] for convolutions. */
  output: z.array(z.number().int()),
  /** Trainable weights and biases. */
  params: z.number().int(),
  /** Forward-pass FLOPs of one sample (2 per multiply-add). */
  flops: z.number(),
});
export type ModelCardLayer = z.infer<typeof ModelCardLayer>;

export const ModelCard = z.object({
  params: z.number().int(),
  /** FLOPs per sample: forward, backward, and their sum (one sample of one training step). */
  flops: z.object({ forward: z.number(), backward: z.number(), trainStep: z.number() }),
  layers: z.array(ModelCardLayer),
  /** The widths the model gets (conv: the image size's defaults where the config leaves them out). */
  hidden: z.array(z.number().int()),
  convFilters: z.array(z.number().int()).optional(),
});
export type ModelCard = z.infer<typeof ModelCard>;

export const modelCardRequests = {
  'models:describe': req(
    z
      .object({
        model: ModelConfig,
        /** The dataset's sample shape: [H, W, C] or [H, W] (grey) for images, [2] for 2-D points. */
        shape: z.array(z.number().int().min(1).max(4096)).min(1).max(3),
        /** Classes of the dataset (a CVAE's one-hot label). */
        numClasses: z.number().int().min(1).max(10_000),
      })
      .strict(),
    ModelCard,
    'Parameters, FLOPs per sample (forward + backward) and layers of a model config on a sample shape; UNSUPPORTED / INVALID_PAYLOAD for what cannot be built.',
  ),
};
