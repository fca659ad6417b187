/**
 * The VAE-GAN (Larsen, Sønderby, Larochelle, Winther 2016, "Autoencoding beyond pixels using a
 * learned similarity metric", arXiv:1512.09300) in tfjs: its losses and one training step with
 * three Adam optimisers. The training workers run the same step on the WebAssembly kernels
 * (kernels/dense/ganNet.ts, tested equal to `vaeganGradients`); this tfjs one runs where they
 * cannot (parallel/ganStepper.ts, one worker) and on the engine's thread when no worker can start.
 *
 * Per sample, in nats, with x̃ = Dec(z), z ~ q(z | x) (reparameterised) and x_p = Dec(z_p),
 * z_p ~ N(0, I); D = the discriminator's logit, σ the sigmoid, Dis_l its features
 * (./discriminator.ts); §2 of the paper:
 *   L_prior        = KL(q(z | x) ‖ N(0, I))                        (§2.1, as the VAE's)
 *   L_llike^Dis_l  = ½·Σ (Dis_l(x̃) − Dis_l(x))²                   (§2.3: −log N(Dis_l(x) | Dis_l(x̃), I)
 *                                                                   without its constant) → `feature`
 *   pixel          = −log p(x | x̃), the VAE's likelihood (Bernoulli BCE from logits, or Gaussian)
 *   llike          = L_llike^Dis_l + pixelWeight·pixel             (pixelWeight 0: the paper's)
 *   disc           = −log σ(D(x)) − log(1 − σ(D(x̃))) − log(1 − σ(D(x_p)))   (−L_GAN, §2.2 / Alg. 1)
 *   gen            = −log σ(D(x̃)) − log σ(D(x_p))
 * `gen` is the decoder's non-saturating form of the generator's part of L_GAN (Goodfellow et al.
 * 2014 §3), not the literal log(1 − D(·)), which gives the decoder almost no gradient while the
 * discriminator wins. With `ganLoss: 'relativistic'` (RaSGAN, Jolicoeur-Martineau 2018,
 * arXiv:1807.00734; src-shared/vaegan.ts GAN_LOSSES), R, A, B the batch means of D(x), D(x̃),
 * D(x_p) and sp = softplus:
 *   disc           = ½[sp(A − D(x)) + sp(D(x̃) − R) + sp(B − D(x)) + sp(D(x_p) − R)]   (chance 2·ln 2)
 *   gen            = sp(R − D(x̃)) + sp(D(x) − A) + sp(R − D(x_p)) + sp(D(x) − B)        (chance 4·ln 2)
 * batch means of these; the decoder's gradient reaches the fake rows' logits only (x is data),
 * through D(x̃), D(x_p) and A, B. The three optimisers' losses, as batch means (Algorithm 1, §2.3: the
 * encoder gets no GAN signal, the discriminator no reconstruction signal):
 *   encoder        β·L_prior + llike
 *   decoder        γ·llike + gen
 *   discriminator  disc                              (learning rate × discLrScale)
 */
import * as tf from '@tensorflow/tfjs';
import { emaDecayAt, GAN_ADAM_BETA1, vaeganSettings, type GanLoss, type GanParts, type ModelConfig } from '../../../src-shared/types';
import { gaussian, mulberry32 } from '../datasets/random';
import { l2Penalty, type ModelBundle } from './build';
import { featuresAndLogit } from './discriminator';
import { gaussianSigma } from './likelihood';
import { klPerSample, reconPerSample } from './loss';
import { setAdamLearningRate } from './adam';

/** The batch means of every term (nats), as scalar tensors. */
export interface VaeGanLossTensors {
  prior: tf.Scalar;
  feature: tf.Scalar;
  pixel: tf.Scalar;
  disc: tf.Scalar;
  gen: tf.Scalar;
  /** The three optimisers' losses (L2 not included). */
  encoder: tf.Scalar;
  decoder: tf.Scalar;
  discriminator: tf.Scalar;
}

/** The step's noise: reparameterisation ε and prior samples z_p, both m × latentDim. */
export interface GanNoise {
  eps: Float32Array;
  zp: Float32Array;
}

/** Seeded ε and z_p for `m` rows (the tfjs path's; the kernels draw their own). */
export function ganNoise(m: number, latentDim: number, seed: number): GanNoise {
  const rng = mulberry32(seed);
  const eps = Float32Array.from({ length: m * latentDim }, () => gaussian(rng));
  const zp = Float32Array.from({ length: m * latentDim }, () => gaussian(rng));
  return { eps, zp };
}

/** −log σ(d) = softplus(−d) and −log(1 − σ(d)) = softplus(d), per row. */
const negLogSig = (d: tf.Tensor) => tf.softplus(tf.neg(d));
const negLog1mSig = (d: tf.Tensor) => tf.softplus(d);

/**
 * The discriminator's and the decoder's GAN losses (batch means, nats per sample) from the
 * discriminator's logits on the real rows `dX`, the reconstructions `dR` and the prior samples
 * `dP` (m × 1 each; the file comment's `disc` and `gen` for `ganLoss`). Differentiable in all three.
 */
export function ganLosses(ganLoss: GanLoss, dX: tf.Tensor, dR: tf.Tensor, dP: tf.Tensor): { disc: tf.Scalar; gen: tf.Scalar } {
  if (ganLoss === 'standard') {
    return {
      disc: tf.addN([tf.mean(negLogSig(dX)), tf.mean(negLog1mSig(dR)), tf.mean(negLog1mSig(dP))]) as tf.Scalar,
      gen: tf.add(tf.mean(negLogSig(dR)), tf.mean(negLogSig(dP))) as tf.Scalar,
    };
  }
  const sp = (t: tf.Tensor) => tf.mean(tf.softplus(t));
  const [R, A, B] = [tf.mean(dX), tf.mean(dR), tf.mean(dP)];
  return {
    disc: tf.mul(0.5, tf.addN([sp(tf.sub(A, dX)), sp(tf.sub(dR, R)), sp(tf.sub(B, dX)), sp(tf.sub(dP, R))])) as tf.Scalar,
    gen: tf.addN([sp(tf.sub(R, dR)), sp(tf.sub(dX, A)), sp(tf.sub(R, dP)), sp(tf.sub(dX, B))]) as tf.Scalar,
  };
}

/**
 * L_llike^Dis_l's batch mean, ½·Σ (Dis_l(x̃) − Dis_l(x))² per sample, summed over ALL of a
 * sample's features: a conv discriminator's Dis_l is N × h × w × c (summing axis 1 alone took
 * the mean over w and c, 1/(w·c) of the term).
 */
function featureTerm(fR: tf.Tensor, fX: tf.Tensor): tf.Scalar {
  const sq = tf.square(tf.sub(fR, fX));
  return tf.mean(tf.mul(0.5, tf.sum(sq, sq.shape.slice(1).map((_, i) => i + 1)))) as tf.Scalar;
}

/**
 * Every term of the VAE-GAN's losses on the batch `x` (m × inputDim) with the given noise (see
 * the file comment). Call inside tf.tidy / tf.variableGrads. Throws when the bundle has no discriminator.
 */
export function vaeganLosses(bundle: ModelBundle, x: tf.Tensor2D, noise: { eps: tf.Tensor2D; zp: tf.Tensor2D }, training = true): VaeGanLossTensors {
  if (!bundle.discriminator) throw new Error('a VAE-GAN bundle needs its discriminator');
  const cfg = bundle.config;
  const { gamma, pixelWeight, ganLoss } = vaeganSettings(cfg);
  const [mean, logVar] = bundle.encoder.apply(x, { training }) as tf.Tensor2D[];
  const z = tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, logVar)), noise.eps)) as tf.Tensor2D;
  const logitsR = bundle.decoderLogits.apply(z, { training }) as tf.Tensor2D;
  const logitsP = bundle.decoderLogits.apply(noise.zp, { training }) as tf.Tensor2D;
  const out = (l: tf.Tensor2D) => (bundle.output === 'bernoulli' ? tf.sigmoid(l) : l);
  const heads = featuresAndLogit(bundle.discriminator);
  const [fX, dX] = heads.apply(x, { training }) as tf.Tensor2D[];
  const [fR, dR] = heads.apply(out(logitsR), { training }) as tf.Tensor2D[];
  const dP = (heads.apply(out(logitsP), { training }) as tf.Tensor2D[])[1];
  const prior = tf.mean(klPerSample(mean, logVar)) as tf.Scalar;
  const feature = featureTerm(fR, fX);
  const pixel = tf.mean(reconPerSample(x, logitsR, bundle.output, gaussianSigma(cfg))) as tf.Scalar;
  const { disc, gen } = ganLosses(ganLoss, dX, dR, dP);
  const llike = pixelWeight > 0 ? tf.add(feature, tf.mul(pixelWeight, pixel)) : feature;
  return {
    prior,
    feature,
    pixel,
    disc,
    gen,
    encoder: tf.add(tf.mul(cfg.beta, prior), llike) as tf.Scalar,
    decoder: tf.add(tf.mul(gamma, llike), gen) as tf.Scalar,
    discriminator: disc,
  };
}

/** The three optimisers of a VAE-GAN run (Adam; the discriminator's rate scaled by `discLrScale`; the decoder's and discriminator's β1 GAN_ADAM_BETA1). */
export interface GanOptimizers {
  encoder: tf.Optimizer;
  decoder: tf.Optimizer;
  discriminator: tf.Optimizer;
  /** The run's rate for the steps that follow (a schedule's, per epoch): the encoder's and decoder's, the discriminator's × discLrScale. */
  setLearningRate(learningRate: number): void;
  dispose(): void;
}

export function ganOptimizers(cfg: ModelConfig, learningRate: number): GanOptimizers {
  const { discLrScale } = vaeganSettings(cfg);
  const o = {
    encoder: tf.train.adam(learningRate),
    decoder: tf.train.adam(learningRate, GAN_ADAM_BETA1),
    discriminator: tf.train.adam(learningRate * discLrScale, GAN_ADAM_BETA1),
  };
  return {
    ...o,
    setLearningRate: (lr) => {
      setAdamLearningRate(o.encoder, lr);
      setAdamLearningRate(o.decoder, lr);
      setAdamLearningRate(o.discriminator, lr * discLrScale);
    },
    dispose: () => Object.values(o).forEach((opt) => opt.dispose()),
  };
}

/** Trainable variables of one of the bundle's networks. */
export function variablesOf(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** The three networks' gradients of one step (variable name → gradient), and the batch means they came with. */
export interface GanGradients {
  grads: Record<GanNet, tf.NamedTensorMap>;
  /** Batch means: recon (the pixel likelihood, nats, as the VAE's), KL (nats) and the GAN terms. */
  recon: number;
  kl: number;
  gan: GanParts;
}

export type GanNet = 'encoder' | 'decoder' | 'discriminator';

/** What the three passes share, computed once outside any gradient: the batch, z, x̃ = Dec(z), x_p = Dec(z_p), Dis_l(x) and D(x). */
interface StepConsts {
  x: tf.Tensor2D;
  zp: tf.Tensor2D;
  eps: tf.Tensor2D;
  z: tf.Tensor2D;
  xR: tf.Tensor2D;
  xP: tf.Tensor2D;
  fX: tf.Tensor2D;
  /** The discriminator's logits on x (the relativistic decoder loss reads them; no decoder gradient). */
  dX: tf.Tensor2D;
}

function stepConsts(bundle: ModelBundle, x: tf.Tensor2D, eps: tf.Tensor2D, zp: tf.Tensor2D): StepConsts {
  const [mean, logVar] = bundle.encoder.apply(x, { training: true }) as tf.Tensor2D[];
  const z = tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, logVar)), eps)) as tf.Tensor2D;
  const out = (l: tf.Tensor2D) => (bundle.output === 'bernoulli' ? tf.sigmoid(l) : l) as tf.Tensor2D;
  const xR = out(bundle.decoderLogits.apply(z, { training: true }) as tf.Tensor2D);
  const xP = out(bundle.decoderLogits.apply(zp, { training: true }) as tf.Tensor2D);
  const [fX, dX] = featuresAndLogit(bundle.discriminator!).apply(x, { training: true }) as tf.Tensor2D[];
  return { x, zp, eps, z, xR, xP, fX, dX };
}

/**
 * One network's loss (`vaeganLosses`' `encoder` / `decoder` / `discriminator`, same value)
 * computed from only what depends on that network, the rest taken from `c` as constants; and
 * the terms it reads back (`report`: prior, feature, pixel from the encoder's; gen from the
 * decoder's; disc from the discriminator's). Three passes of about 14 network applications in
 * all instead of 18.
 */
function passLoss(key: GanNet, bundle: ModelBundle, c: StepConsts, beta: number, report: Partial<Record<keyof VaeGanLossTensors, number>>): tf.Scalar {
  const { gamma, pixelWeight, ganLoss } = vaeganSettings(bundle.config);
  const heads = featuresAndLogit(bundle.discriminator!);
  const out = (l: tf.Tensor2D) => (bundle.output === 'bernoulli' ? tf.sigmoid(l) : l);
  const read = (name: keyof VaeGanLossTensors, t: tf.Scalar) => (report[name] = t.dataSync()[0]);
  const llikeOf = (logitsR: tf.Tensor2D, fR: tf.Tensor2D, terms: boolean): tf.Scalar => {
    const feature = featureTerm(fR, c.fX);
    const pixel = tf.mean(reconPerSample(c.x, logitsR, bundle.output, gaussianSigma(bundle.config))) as tf.Scalar;
    if (terms) {
      read('feature', feature);
      read('pixel', pixel);
    }
    return (pixelWeight > 0 ? tf.add(feature, tf.mul(pixelWeight, pixel)) : feature) as tf.Scalar;
  };
  if (key === 'encoder') {
    const [mean, logVar] = bundle.encoder.apply(c.x, { training: true }) as tf.Tensor2D[];
    const z = tf.add(mean, tf.mul(tf.exp(tf.mul(0.5, logVar)), c.eps)) as tf.Tensor2D;
    const logitsR = bundle.decoderLogits.apply(z, { training: true }) as tf.Tensor2D;
    const fR = (heads.apply(out(logitsR), { training: true }) as tf.Tensor2D[])[0];
    const prior = tf.mean(klPerSample(mean, logVar)) as tf.Scalar;
    read('prior', prior);
    return tf.add(tf.mul(beta, prior), llikeOf(logitsR, fR, true)) as tf.Scalar;
  }
  if (key === 'decoder') {
    const logitsR = bundle.decoderLogits.apply(c.z, { training: true }) as tf.Tensor2D;
    const logitsP = bundle.decoderLogits.apply(c.zp, { training: true }) as tf.Tensor2D;
    const [fR, dR] = heads.apply(out(logitsR), { training: true }) as tf.Tensor2D[];
    const dP = (heads.apply(out(logitsP), { training: true }) as tf.Tensor2D[])[1];
    const { gen } = ganLosses(ganLoss, c.dX, dR, dP);
    read('gen', gen);
    return tf.add(tf.mul(gamma, llikeOf(logitsR, fR, false)), gen) as tf.Scalar;
  }
  const d = (t: tf.Tensor2D) => (heads.apply(t, { training: true }) as tf.Tensor2D[])[1];
  const { disc } = ganLosses(ganLoss, d(c.x), d(c.xR), d(c.xP));
  read('disc', disc);
  return disc;
}

/**
 * The gradients of one VAE-GAN step on the batch `xRows` (m × inputDim, flat): each optimiser's
 * loss differentiated with respect to its own network only, all from the same weights and the
 * same noise (Larsen et al. 2016, Algorithm 1; equal to differentiating `vaeganLosses`). `beta`
 * overrides the config's β (warm-up); L2 (if set) adds l2·Σ‖W‖²/m of a network's kernels to its
 * own loss. The caller disposes the gradients (`applyGanGradients` does).
 */
export function vaeganGradients(bundle: ModelBundle, xRows: Float32Array, beta: number, seed: number): GanGradients {
  if (!bundle.discriminator) throw new Error('a VAE-GAN bundle needs its discriminator');
  const m = xRows.length / bundle.inputDim;
  const L = bundle.config.latentDim;
  const noise = ganNoise(m, L, seed);
  const nets: Array<[GanNet, tf.LayersModel]> = [
    ['encoder', bundle.encoder],
    ['decoder', bundle.decoder],
    ['discriminator', bundle.discriminator],
  ];
  const report: Partial<Record<keyof VaeGanLossTensors, number>> = {};
  const grads = {} as Record<GanNet, tf.NamedTensorMap>;
  tf.tidy(() => {
    const c = stepConsts(bundle, tf.tensor2d(xRows, [m, bundle.inputDim]), tf.tensor2d(noise.eps, [m, L]), tf.tensor2d(noise.zp, [m, L]));
    for (const [key, model] of nets) {
      const { grads: g, value } = tf.variableGrads(() => {
        const loss = passLoss(key, bundle, c, beta, report);
        const pen = l2Penalty(bundle, [model]);
        return (pen ? tf.add(loss, tf.div(pen, m)) : loss) as tf.Scalar;
      }, variablesOf(model));
      value.dispose();
      grads[key] = g;
      Object.values(g).forEach((t) => tf.keep(t));
    }
  });
  return { grads, recon: report.pixel!, kl: report.prior!, gan: { disc: report.disc!, gen: report.gen!, feature: report.feature! } };
}

/** Applies (and disposes) the three networks' gradients with their optimisers. */
export function applyGanGradients(opt: GanOptimizers, g: GanGradients['grads']): void {
  for (const key of ['encoder', 'decoder', 'discriminator'] as const) {
    opt[key].applyGradients(g[key]);
    tf.dispose(g[key]);
  }
}

/** Disposes gradients that will not be applied (a non-finite loss). */
export function disposeGanGradients(g: GanGradients['grads']): void {
  for (const key of ['encoder', 'decoder', 'discriminator'] as const) tf.dispose(g[key]);
}

/**
 * One VAE-GAN step (gradients, then the three Adam updates); see `vaeganGradients`. Returns the
 * batch means; when one is not finite nothing is updated (the caller reports DIVERGED).
 */
export function vaeganTrainStep(
  opt: GanOptimizers,
  bundle: ModelBundle,
  xRows: Float32Array,
  beta: number,
  seed: number,
): { recon: number; kl: number; gan: GanParts } {
  const g = vaeganGradients(bundle, xRows, beta, seed);
  const finite = [g.recon, g.kl, g.gan.disc, g.gan.gen, g.gan.feature].every(Number.isFinite);
  if (finite) applyGanGradients(opt, g.grads);
  else disposeGanGradients(g.grads);
  return { recon: g.recon, kl: g.kl, gan: g.gan };
}

/**
 * The VAE-GAN's weight average θ̄ (src-shared/vaegan.ts `emaDecayAt`): an exponential moving
 * average of the encoder's and decoder's trainable variables (the discriminator is never
 * averaged), kept in tfjs variables beside the model's. θ̄ = the weights at construction (θ₀);
 * `update(t)` after each applied optimiser step t (1-based): θ̄ ← d_t·θ̄ + (1 − d_t)·θ with
 * d_t = emaDecayAt(emaDecay, t). Training continues on the raw θ; what leaves the training reads
 * `averageOf` (a stepper's weights), or `swapIn` puts θ̄ into the model's variables while the
 * epoch end reads the model and `swapOut` puts the raw weights back.
 * Build it with `GanWeightAverage.of` (null for emaDecay 0: no average, the raw weights are the
 * model). `dispose` frees its variables (the model's are not touched).
 */
export class GanWeightAverage {
  /** The averaged variables: the encoder's, then the decoder's (`variablesOf` order). */
  readonly vars: tf.Variable[];
  private readonly avg: tf.Variable[];
  private readonly byVar: Map<tf.Variable, tf.Variable>;
  /** The raw weights while θ̄ is swapped in (null otherwise). */
  private raw: tf.Tensor[] | null = null;

  private constructor(
    bundle: ModelBundle,
    readonly emaDecay: number,
  ) {
    this.vars = [...variablesOf(bundle.encoder), ...variablesOf(bundle.decoder)];
    this.avg = tf.tidy(() => this.vars.map((v) => tf.variable(v.clone(), false)));
    this.byVar = new Map(this.vars.map((v, i) => [v, this.avg[i]]));
  }

  /** The average of a VAE-GAN bundle's encoder and decoder for `emaDecay` (0 … 0.99999); null when it is 0 (off). */
  static of(bundle: ModelBundle, emaDecay: number): GanWeightAverage | null {
    return emaDecay > 0 ? new GanWeightAverage(bundle, emaDecay) : null;
  }

  /** After optimiser step `t` (1-based, the run's applied steps): θ̄ ← d_t·θ̄ + (1 − d_t)·θ. Not while swapped in. */
  update(t: number): void {
    if (this.raw) throw new Error('GanWeightAverage.update while the average is swapped in');
    const d = emaDecayAt(this.emaDecay, t);
    tf.tidy(() => {
      this.vars.forEach((v, i) => this.avg[i].assign(tf.add(tf.mul(d, this.avg[i]), tf.mul(1 - d, v))));
    });
  }

  /** θ̄ of one of the model's variables (an encoder's or decoder's), undefined for any other (the discriminator's). */
  averageOf(v: tf.Variable): tf.Variable | undefined {
    return this.byVar.get(v);
  }

  /** Whether θ̄ is in the model's variables now (`swapIn` … `swapOut`). */
  get swapped(): boolean {
    return this.raw !== null;
  }

  /** Puts θ̄ into the encoder's and decoder's variables, keeping the raw weights for `swapOut`. No-op when already in. */
  swapIn(): void {
    if (this.raw) return;
    this.raw = this.vars.map((v) => v.clone() as tf.Tensor);
    this.vars.forEach((v, i) => v.assign(this.avg[i]));
  }

  /** Puts the raw weights back (training continues on them). No-op when θ̄ is not in. */
  swapOut(): void {
    if (!this.raw) return;
    this.vars.forEach((v, i) => v.assign(this.raw![i]));
    tf.dispose(this.raw);
    this.raw = null;
  }

  /** Frees the average (and kept raw weights); the model's variables keep what they hold. */
  dispose(): void {
    if (this.raw) tf.dispose(this.raw);
    this.raw = null;
    tf.dispose(this.avg);
  }
}
