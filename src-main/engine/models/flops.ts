/**
 * Per-sample cost of a model for the model card ("params, MFLOP/sample"), from the spec alone.
 *
 * Counted: the multiply-adds of every Dense, Conv2D and Conv2DTranspose layer, 2 FLOPs each.
 *   Dense in → out:                    in·out
 *   Conv2D k×k, output oH×oW×Cout:     oH·oW·k²·Cin·Cout
 *   Conv2DTranspose k×k, input iH×iW:  iH·iW·k²·Cin·Cout   (each input pixel scattered)
 * A training step costs the forward pass plus the backward pass: the weight gradient of every
 * layer (as many multiply-adds as its forward) and the input gradient of every layer but the
 * encoder's first (its input is the data). Biases, activations, the loss and the optimizer are
 * elementwise and left out (< 1 % for these models). The Keras-example conv VAE comes to ≈ 40
 * MFLOP per sample per training step; the dense 784-256-3 VAE to ≈ 2.0. A VAE-GAN's
 * discriminator layers are counted once, after the decoder's (its real step applies the decoder
 * twice and the discriminator about six times: models/vaegan.ts).
 */
import { convPlan } from './conv';
import { discriminatorPlan } from './discriminator';
import { isConditional, isGan, isVariational, type ModelSpec } from './spec';

export interface Flops {
  /** FLOPs of one sample's forward pass (encoder + decoder). */
  forward: number;
  /** FLOPs of one sample's backward pass. */
  backward: number;
  /** forward + backward: one sample of one training step. */
  trainStep: number;
}

/** Multiply-adds of each weight layer in forward order (encoder first; a VAE-GAN's discriminator last), for the spec's model. */
export function layerMacs(spec: ModelSpec): number[] {
  const vae = vaeLayerMacs(spec);
  if (!isGan(spec.config.kind)) return vae;
  const p = discriminatorPlan(spec);
  const convs = p.convs.map((s) => s.out[0] * s.out[1] * s.kernel * s.kernel * s.in[2] * s.out[2]);
  const sizes = [spec.inputDim, ...p.hidden];
  return [...vae, ...convs, ...p.hidden.map((n, i) => sizes[i] * n), p.flat];
}

function vaeLayerMacs(spec: ModelSpec): number[] {
  const cfg = spec.config;
  const cond = isConditional(cfg.kind) ? spec.numClasses : 0;
  const heads = isVariational(cfg.kind) ? 2 : 1;
  const chain = (sizes: number[]) => sizes.slice(1).map((n, i) => sizes[i] * n);
  if (cfg.arch === 'conv') {
    const plan = convPlan(spec);
    const flat = plan.bottleneck[0] * plan.bottleneck[1] * plan.bottleneck[2];
    const conv = plan.encoder.map((s) => s.out[0] * s.out[1] * s.kernel * s.kernel * s.in[2] * s.out[2]);
    const deconv = plan.decoder.map((s) => s.in[0] * s.in[1] * s.kernel * s.kernel * s.in[2] * s.out[2]);
    const last = plan.hidden[plan.hidden.length - 1];
    return [
      ...conv,
      ...chain([flat + cond, ...plan.hidden]),
      heads * last * cfg.latentDim,
      (cfg.latentDim + cond) * flat,
      ...deconv,
    ];
  }
  const last = cfg.hidden[cfg.hidden.length - 1];
  return [
    ...chain([spec.inputDim + cond, ...cfg.hidden]),
    heads * last * cfg.latentDim,
    ...chain([cfg.latentDim + cond, ...[...cfg.hidden].reverse(), spec.inputDim]),
  ];
}

/** FLOPs per sample of the spec's model (see the file comment). Throws as convPlan for conv. */
export function flopsPerSample(spec: ModelSpec): Flops {
  const macs = layerMacs(spec);
  const fwd = macs.reduce((s, m) => s + m, 0);
  const forward = 2 * fwd;
  const backward = 2 * (fwd + fwd - macs[0]);
  return { forward, backward, trainStep: forward + backward };
}
