/**
 * The model's settings in the contract: kinds, architectures (dense, conv), activations, the
 * reconstruction likelihood and `ModelConfig` (with the VAE-GAN's γ, pixel weight,
 * discriminator learning-rate scale and GAN loss; their defaults: ./vaegan.ts). Re-exported by ./types.ts. Pure zod.
 */
import { z } from 'zod';
import { GanLoss, vaeganSettings } from './vaegan';

export const MODEL_KINDS = ['ae', 'vae', 'cvae', 'vaegan'] as const;
export const ModelKind = z.enum(MODEL_KINDS);
export type ModelKind = z.infer<typeof ModelKind>;

export const ACTIVATIONS = ['relu', 'elu', 'tanh', 'sigmoid', 'selu', 'leakyRelu'] as const;
export const Activation = z.enum(ACTIVATIONS);
export type Activation = z.infer<typeof Activation>;

/**
 * β when none is given. CVAE: 5, so that prior samples for a label are drawn as that label: at a
 * low β a 3-D latent also learns where the digit's identity lies (which the label already gives),
 * and prior samples for a label land where its decoder draws another digit (mostly "1"s drawn as
 * "2"s). Judged by the in-app classifier CNN (98.8 % on real test digits), 5,000 samples of a
 * 30-epoch conv CVAE z = 3 (Keras example) on the embedded MNIST: β 2 → 97.4 %, 4 → 98.7 %,
 * **5 → 99.8 % and 99.3 %** (seeds 1, 2), test −ELBO 136.9 → 139.8 / 137.2 nats; β 6 and 8 keep the accuracy
 * but one latent unit carries almost everything (−ELBO 150–152). Dense 784-256-3: β 2 → 95.0 %,
 * 5 → 98.4 % (−ELBO 137.1 → 141.6). docs/PERFORMANCE.md "CVAE: β = 5 by default". AE ignores β.
 */
export const DEFAULT_BETA = { ae: 1, vae: 1, cvae: 5, vaegan: 1 } as const satisfies Record<z.infer<typeof ModelKind>, number>;

/**
 * Model architecture. `dense`: fully connected layers on the flattened image (the default, and
 * what runs saved before `arch` existed are). `conv`: Conv2D stages down and Conv2DTranspose
 * stages up (images of 28×28, 32×32 or 64×64 with 1 or 3 channels; src-main/engine/models/conv.ts).
 */
export const ARCHS = ['dense', 'conv'] as const;
export const Arch = z.enum(ARCHS);
export type Arch = z.infer<typeof Arch>;

/** Most conv stages a model may have (a 64×64 image halves 6 times down to 1×1). */
export const MAX_CONV_STAGES = 6;

/** Square image sides conv models take. */
export const CONV_SIDES = [28, 32, 64] as const;

/** Default filters per stage and encoder dense layers of a conv model, per image side (28: the Keras example's). */
export const CONV_DEFAULTS: Record<(typeof CONV_SIDES)[number], { filters: number[]; hidden: number[] }> = {
  28: { filters: [32, 64], hidden: [16] },
  32: { filters: [32, 64, 128], hidden: [256] },
  64: { filters: [32, 64, 128, 256], hidden: [256] },
};

/**
 * The reconstruction likelihood p(x | z). `bernoulli`: each value a probability (sigmoid output,
 * binary cross-entropy; images in [0, 1]: MNIST figures stay comparable with the literature).
 * `gaussian`: each value a Normal with the decoder's output as mean and a fixed σ (identity
 * output): ½·Σ((x − μ)/σ)² + D·log(σ·√(2π)) nats. `auto`: Bernoulli for images, Gaussian for
 * 2-D points. A run's saved config says which one it resolved to.
 */
export const LIKELIHOODS = ['auto', 'bernoulli', 'gaussian'] as const;
export const Likelihood = z.enum(LIKELIHOODS);
export type Likelihood = z.infer<typeof Likelihood>;

/**
 * σ of the Gaussian likelihood when none is given: 0.1 for images (values in [0, 1]); 0.3 for 2-D
 * points (standardised, so σ 1 is the data's own spread and the best ELBO explains it all as
 * noise). Measured through the CLI (dense VAE, z 2, 30 epochs, test ELBO in nats / KL / active
 * units): σ 1 collapses on every toy set (moons 2.77 / 0.21 / 1 of 2; spirals 2.82 / 0.02 / 1 —
 * reported as collapsed; blobs 2.85 / 0.02); σ 0.3 gives the best or a tied-best ELBO with both
 * units used (moons 2.63 / 2.2; spirals 2.80 / 2.4; blobs 2.54 / 2.1; σ 0.5 and 0.2 are worse
 * or equal).
 */
export const DEFAULT_SIGMA = { image: 0.1, points: 0.3 } as const;

export const ModelConfig = z
  .object({
    kind: ModelKind.default('vae'),
    arch: Arch.default('dense'),
    latentDim: z.number().int().min(2).max(64).default(3),
    /**
     * Dense layer sizes. `dense`: the encoder's hidden layers, mirrored by the decoder (default
     * [256]). `conv`: the dense layers between the flattened conv features and the latent heads
     * (encoder only, as in the Keras VAE example); left out, it is the input size's default
     * (16 for 28×28, 256 for 32×32 and 64×64), which the engine writes into the run's config.
     * After parsing, `[]` on a conv model means "the input size's default".
     */
    hidden: z.array(z.number().int().min(1).max(4096)).max(6).optional(),
    /**
     * `conv` only: filters of each stride-2 Conv2D stage (the decoder mirrors them). Left out:
     * [32, 64] for 28×28, [32, 64, 128] for 32×32, [32, 64, 128, 256] for 64×64 (down to 7×7 or
     * 4×4). The image side must halve exactly once per stage (28: at most 2 stages).
     */
    convFilters: z.array(z.number().int().min(1).max(1024)).min(1).max(MAX_CONV_STAGES).optional(),
    activation: Activation.default('relu'),
    /** Std-dev of Gaussian noise added to inputs while training (denoising AE). 0 = off. */
    inputNoise: z.number().min(0).max(1).default(0),
    /** L2 weight decay on dense kernels. */
    l2: z.number().min(0).max(1).default(0),
    dropout: z.number().min(0).max(0.9).default(0),
    /** β of the β-VAE (VAE/CVAE only); default per kind: `DEFAULT_BETA`. */
    beta: z.number().min(0).max(100).optional(),
    /** Linear KL warm-up from 0 to β over this many epochs (0 = off). */
    klWarmupEpochs: z.number().int().min(0).max(1000).default(0),
    /** Reconstruction likelihood (`LIKELIHOODS`); `auto` resolves at the start and is saved resolved. */
    likelihood: Likelihood.default('auto'),
    /**
     * Gaussian likelihood only: its fixed σ (in the data's units). Left out: `DEFAULT_SIGMA`
     * (written into the run's config at the start). Runs saved before it had σ = 1.
     */
    sigma: z.number().min(0.001).max(10).optional(),
    /** VAE-GAN only: γ, the decoder's reconstruction weight against the GAN loss (`VAEGAN_DEFAULTS`). */
    gamma: z.number().min(0).max(1000).optional(),
    /** VAE-GAN only: weight of the pixel likelihood mixed into the discriminator-feature reconstruction term (0 = features only). */
    pixelWeight: z.number().min(0).max(100).optional(),
    /** VAE-GAN only: the discriminator's learning rate as a multiple of the run's. */
    discLrScale: z.number().positive().max(10_000).optional(),
    /**
     * VAE-GAN only: the adversarial loss (`GAN_LOSSES`: 'standard' or 'relativistic', the
     * relativistic average GAN of Jolicoeur-Martineau 2018). Left out: `VAEGAN_DEFAULTS.ganLoss`
     * ('relativistic'); runs saved before the option trained with 'standard' and are read so.
     */
    ganLoss: GanLoss.optional(),
    /**
     * VAE-GAN only: the decay d of the exponential moving average of the encoder's and decoder's
     * weights that becomes the trained model (`emaDecayAt`; 0 = off, the last step's weights;
     * the discriminator is never averaged). Left out: `VAEGAN_DEFAULTS.emaDecay`; runs saved
     * before it: 0.
     */
    emaDecay: z.number().min(0).max(0.99999).optional(),
  })
  .strict()
  .refine((m) => m.sigma === undefined || m.likelihood !== 'bernoulli', {
    message: 'sigma applies to the Gaussian likelihood only',
    path: ['sigma'],
  })
  .refine((m) => m.arch === 'conv' || m.hidden === undefined || m.hidden.length > 0, {
    message: 'a dense model needs at least one hidden layer',
    path: ['hidden'],
  })
  .refine((m) => m.arch === 'conv' || m.convFilters === undefined, {
    message: 'convFilters applies to conv models only (arch: "conv")',
    path: ['convFilters'],
  })
  .refine((m) => m.kind === 'vaegan' || (m.gamma === undefined && m.pixelWeight === undefined && m.discLrScale === undefined && m.ganLoss === undefined && m.emaDecay === undefined), {
    message: 'gamma, pixelWeight, discLrScale, ganLoss and emaDecay apply to VAE-GAN models only (kind: "vaegan")',
    path: ['kind'],
  })
  .refine((m) => m.kind !== 'vaegan' || !m.inputNoise, {
    message: 'a VAE-GAN does not take inputNoise (its discriminator sees the clean images)',
    path: ['inputNoise'],
  })
  .transform((m) => ({
    ...m,
    hidden: m.hidden ?? (m.arch === 'conv' ? [] : [256]),
    beta: m.beta ?? DEFAULT_BETA[m.kind],
    ...(m.kind === 'vaegan' ? vaeganSettings(m) : {}),
  }));
export type ModelConfig = z.infer<typeof ModelConfig>;
export type ModelConfigInput = z.input<typeof ModelConfig>;
