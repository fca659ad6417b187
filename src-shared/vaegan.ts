/**
 * The VAE-GAN's (Larsen et al. 2016, "Autoencoding beyond pixels using a learned similarity
 * metric") part of the contract: its default settings and the GAN terms its training reports.
 * Re-exported by ./types.ts. Pure zod.
 */
import { z } from 'zod';

/**
 * VAE-GAN (Larsen et al. 2016) settings when none are given. `gamma` (γ): the decoder's weight of
 * the reconstruction term against fooling the discriminator (its loss γ·L_llike + L_GAN's
 * generator part, Algorithm 1); `pixelWeight`: the pixel likelihood (the VAE's, nats) mixed into
 * the reconstruction term L_llike^Dis_l (0 = the paper's discriminator features only; ≥ 1 keeps
 * reconstructions recognisable on MNIST, where features alone drift); `discLrScale`: the
 * discriminator's learning rate over the run's. γ = 0.3 since the batch became 64
 * (`DEFAULT_BATCH_SIZE`) and the adversaries' Adam β1 0.5 (`GAN_ADAM_BETA1`); PyTorch peer, dense
 * 784-256-16, 8,000 digits, batch 64, 40 epochs: γ 0.1 → Fréchet distance 59.9 with 95.1 % of
 * reconstructions read as their digit, γ 0.2 → 64.7 / 95.7 %, γ 0.3 → 67.6 / 96.05 %; after 120
 * epochs γ 0.1 falls to 72.6 / 94.4 % and γ 0.2 to 71.2 / 95.6 %. Through the Engine (300 s,
 * 165 epochs) γ 0.3 gave 61.9 against the VAE's 82.2 with 95.7 % recognised. The discriminator's
 * rate × 0.5: at batch 64 its signal otherwise worsens the samples with time (not memorisation
 * alone: R1, augmentation and dropout did not help; docs/PERFORMANCE.md) (peer, γ 0.2, 120 epochs: 71.2 at × 1, **57.5 at × 0.5**, 61.2 at
 * × 0.25; γ 0.3 × 0.5: 59.1 with 95.85 % recognised). All these defaults through the Engine, 300 s
 * each: 62.05 against the VAE's 82.29 (0.754×), 95.25 % recognised (then the standard loss, pixel
 * weight 1, no weight average). With the relativistic loss and the weight average (`emaDecay`
 * 0.999) the pixel weight became 3: through the Engine, dense 784-256-15-256-784, 219 VAE / 78
 * VAE-GAN epochs on the embedded MNIST, seeds 1–6, the VAE-GAN's Fréchet distance 0.603–0.658×
 * the VAE's (mean 0.630×) with 94.7–95.55 % of reconstructions recognised (mean 95.23 %, 5 of 6
 * at or over 95 %); pixel weight 2: 0.620× / 95.07 % (4 of 6), 1.5: 0.605× / 95.02 % (4 of 6).
 * The sweeps: docs/PERFORMANCE.md, VAE-GAN, "The weight average". A VAE-GAN's learning rate
 * also decays by default (src-shared/training.ts `DEFAULT_LR_SCHEDULE`): at the same 120 s as the
 * VAE (207 / 110 epochs) that took seeds 1–6 to 0.627–0.673× with 94.45–95.6 % recognised.
 */
export const VAEGAN_DEFAULTS = { gamma: 0.3, pixelWeight: 3, discLrScale: 0.5, ganLoss: 'relativistic', emaDecay: 0.999 } as const;

/** A VAE-GAN's five settings, all given (see `vaeganSettings`). */
export interface VaeganSettings {
  gamma: number;
  pixelWeight: number;
  discLrScale: number;
  ganLoss: GanLoss;
  emaDecay: number;
}

/**
 * A VAE-GAN model config's settings with `VAEGAN_DEFAULTS` where one is absent (`undefined`);
 * given values are kept as they are. The one place the defaults are applied: the contract's
 * `ModelConfig` transform and every engine reader (models/vaegan.ts, kernels/dense/ganPlan.ts,
 * jobs/ganAdvice.ts, jobs/ganHealth.ts) go through it.
 *   gamma        γ, the decoder's weight of the reconstruction term against its GAN loss
 *                (dimensionless; its loss is γ·L_llike + L_GAN's generator part).
 *   pixelWeight  the weight of the pixel likelihood (nats) mixed into the reconstruction term
 *                (dimensionless; 0 = the paper's discriminator features only).
 *   discLrScale  the discriminator's learning rate over the run's (a factor; × 0.5 by default).
 *   ganLoss      the adversarial loss (`GAN_LOSSES`). A run saved before the option existed has
 *                none in its config.json and is read as `SAVED_RUN_GAN_LOSS` ('standard') by
 *                `withSavedGanSettings` before parsing, so it never reaches this default.
 *   emaDecay     the decay of the encoder's and decoder's weight average (`emaDecayAt`; 0 = off:
 *                the model is the last step's weights). Runs saved before the option had none
 *                (`SAVED_RUN_EMA_DECAY` = 0, filled by `withSavedGanSettings`).
 * Does not check the kind: callers pass a VAE-GAN's config (the contract refuses these fields on
 * any other kind).
 */
export function vaeganSettings(model: { gamma?: number; pixelWeight?: number; discLrScale?: number; ganLoss?: GanLoss; emaDecay?: number }): VaeganSettings {
  return {
    emaDecay: model.emaDecay ?? VAEGAN_DEFAULTS.emaDecay,
    gamma: model.gamma ?? VAEGAN_DEFAULTS.gamma,
    pixelWeight: model.pixelWeight ?? VAEGAN_DEFAULTS.pixelWeight,
    discLrScale: model.discLrScale ?? VAEGAN_DEFAULTS.discLrScale,
    ganLoss: model.ganLoss ?? VAEGAN_DEFAULTS.ganLoss,
  };
}

/**
 * The adversarial loss of a VAE-GAN's discriminator and decoder (`ModelConfig.ganLoss`), with a
 * one-line description each. Per batch of m rows, d_x the discriminator's logits on the real rows,
 * d_f on each fake kind f ∈ {x̃ (reconstruction), x_p (prior sample)}, sp = softplus, nats:
 *   standard      disc = sp(−d_x) + Σ_f sp(d_f);  gen = Σ_f sp(−d_f)  (Larsen et al. 2016 §2.2,
 *                 the generator's non-saturating form, Goodfellow et al. 2014 §3).
 *   relativistic  the relativistic average GAN (RaSGAN, Jolicoeur-Martineau 2018, "The
 *                 relativistic discriminator: a key element missing from standard GAN",
 *                 arXiv:1807.00734, eqs. for RaSGAN): with R, F_f the batch means of d_x, d_f,
 *                 disc = ½ Σ_f [sp(F_f − d_x) + sp(d_f − R)];  gen = Σ_f [sp(R − d_f) + sp(d_x − F_f)]
 *                 — each judges how much more real a real row looks than the batch's average fake
 *                 (and the reverse); the means are over the whole batch (all training threads).
 * New runs default to 'relativistic' (`VAEGAN_DEFAULTS.ganLoss`): through the Engine, dense
 * 784-256-15-256-784, 219 VAE / 78 VAE-GAN epochs on the embedded MNIST (the same time), it took
 * the VAE-GAN's Fréchet distance from 63.2–68.1 (standard, seeds 1–4; 0.731× the VAE's on
 * average, none at or under 0.7×) to 54.2–63.8 (seeds 1–6; 0.664×, 5 of 6 at or under 0.7×), for
 * recognisable reconstructions 94.3–95.0 % (mean 94.6 %) against the standard loss's 94.9–95.4 %
 * (mean 95.2 %) (docs/PERFORMANCE.md, "The relativistic loss in the app"). Runs saved before the
 * option existed trained with 'standard' and are read so (`SAVED_RUN_GAN_LOSS`, `withSavedGanSettings`).
 */
export const GAN_LOSSES = ['standard', 'relativistic'] as const;
export const GanLoss = z.enum(GAN_LOSSES);
export type GanLoss = z.infer<typeof GanLoss>;
export const GAN_LOSS_DESCRIPTIONS: Record<GanLoss, string> = {
  standard: 'standard GAN loss: the discriminator tells each image real or decoded (Larsen et al. 2016)',
  relativistic: 'relativistic average GAN loss: how much more real a real image looks than the batch\'s average decoded one, and back (Jolicoeur-Martineau 2018)',
};

/** The adversarial loss of a VAE-GAN run saved before `ModelConfig.ganLoss` existed (its config.json has none). */
export const SAVED_RUN_GAN_LOSS: GanLoss = 'standard';

/** The weight average's decay of a VAE-GAN run saved before `ModelConfig.emaDecay` existed: none (its model is its last step's weights). */
export const SAVED_RUN_EMA_DECAY = 0;

/**
 * A run record as read from its config.json (unknown JSON) with a VAE-GAN's missing `ganLoss`
 * filled as `SAVED_RUN_GAN_LOSS` and missing `emaDecay` as `SAVED_RUN_EMA_DECAY`, so that the
 * contract's defaults for new runs (`VAEGAN_DEFAULTS`) never relabel an old run. Anything else is
 * returned as it is (a copy where it changes; the argument is not modified).
 */
export function withSavedGanSettings(record: unknown): unknown {
  const r = record as { config?: { model?: Record<string, unknown> } } | null;
  const model = r && typeof r === 'object' ? r.config?.model : undefined;
  if (!model || typeof model !== 'object' || model.kind !== 'vaegan' || ('ganLoss' in model && 'emaDecay' in model)) return record;
  const filled = { ...('ganLoss' in model ? {} : { ganLoss: SAVED_RUN_GAN_LOSS }), ...('emaDecay' in model ? {} : { emaDecay: SAVED_RUN_EMA_DECAY }) };
  return { ...r, config: { ...r!.config, model: { ...model, ...filled } } };
}

/**
 * The decay of the weight average at training step `step` (1-based) for a run's `emaDecay` d:
 * min(d, (1 + step) / (10 + step)) — TensorFlow's `tf.train.ExponentialMovingAverage` with
 * `num_updates`, so that the first steps do not leave the average near the initial weights (after
 * 250 steps the initial weights keep ~3 % of it instead of 0.999²⁵⁰ ≈ 78 %). The average of
 * parameters θ after each update: θ̄ ← d_t·θ̄ + (1 − d_t)·θ, θ̄ = θ₀ before the first step
 * (Polyak averaging's exponential form; for GAN generators: Yazıcı et al. 2019, "The unusual
 * effectiveness of averaging in GAN training", ICLR; Karras et al. 2018, ProGAN, d = 0.999).
 * Returns 0 (the average is the weights) for d = 0. Dimensionless.
 */
export function emaDecayAt(decay: number, step: number): number {
  if (decay <= 0) return 0;
  return Math.min(decay, (1 + step) / (10 + step));
}

/**
 * The discriminator's (`disc`) and the decoder's GAN loss (`gen`) per sample, in nats, when the
 * discriminator cannot tell real from decoded images (all its logits equal): standard 3·ln 2 ≈
 * 2.08 and 2·ln 2 ≈ 1.39 (three and two softplus(0) terms); relativistic 2·ln 2 ≈ 1.39 and
 * 4·ln 2 ≈ 2.77 (½ of four terms, and four terms). `label`s: the same as words ("3·ln 2").
 */
export function ganChance(ganLoss: GanLoss = 'standard'): { disc: number; gen: number; discLabel: string; genLabel: string } {
  return ganLoss === 'relativistic'
    ? { disc: 2 * Math.LN2, gen: 4 * Math.LN2, discLabel: '2·ln 2', genLabel: '4·ln 2' }
    : { disc: 3 * Math.LN2, gen: 2 * Math.LN2, discLabel: '3·ln 2', genLabel: '2·ln 2' };
}

/**
 * Adam's β1 (first-moment decay) of the VAE-GAN's two adversaries, the decoder and the
 * discriminator; the encoder keeps Adam's usual 0.9. Radford et al. 2015 (DCGAN, §4): 0.9
 * "resulted in training oscillation and instability while reducing it to 0.5 helped stabilize
 * training". Measured with the PyTorch peer (bench/peer, dense 784-256-16, 8,000 digits, 40
 * epochs, two seeds): at γ = 0.1 the Fréchet distance of prior samples fell from 98.0 / 101.4
 * (β1 0.9) to 87.4 / 93.4 (β1 0.5), recognised reconstructions 93.5–94.0 % → 94.7–94.9 %.
 */
export const GAN_ADAM_BETA1 = 0.5;

/**
 * VAE-GAN training losses, per sample (nats): `disc` the discriminator's (standard GAN loss:
 * −log D(x) − log(1 − D(x̃)) − log(1 − D(x_p)): real, reconstructed, prior sample; 3·ln 2 ≈ 2.08
 * when it cannot tell them apart, → 0 when it wins), `gen` the decoder's GAN loss (−log D(x̃) −
 * log D(x_p), 2·ln 2 at chance); with the relativistic loss both as `GAN_LOSSES` says (chance
 * 2·ln 2 and 4·ln 2: `ganChance`); `feature` the reconstruction term in the discriminator's
 * features (½·Σ (Dis_l(x̃) − Dis_l(x))²).
 */
export const GanParts = z.object({
  disc: z.number(),
  gen: z.number(),
  feature: z.number(),
});
export type GanParts = z.infer<typeof GanParts>;
