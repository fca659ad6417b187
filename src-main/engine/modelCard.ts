/**
 * `models:describe`: a model config's card on a sample shape — parameters, FLOPs per sample of a
 * training step (`models/flops.ts`) and the weight layers in forward order — from the spec alone,
 * without building a tfjs model (cheap enough to answer on every form change).
 */
import type { RequestOutput, RequestParsed } from '../../src-shared/contract';
import { LabError } from '../../src-shared/types';
import { countParams, flopsPerSample, resolveModelConfig } from './models/build';
import { convPlan, stageParams, USE_DENSE } from './models/conv';
import { discriminatorPlan } from './models/discriminator';
import { isConditional, isGan, isVariational, type ModelSpec } from './models/spec';

type Card = RequestOutput<'models:describe'>;
type Layer = Card['layers'][number];

/** Per-sample shape → the spec's input size and image shape ([H, W] is grey: C = 1). */
function specOf(req: RequestParsed<'models:describe'>): ModelSpec {
  const shape = req.shape;
  const inputDim = shape.reduce((a, b) => a * b, 1);
  const imageShape = shape.length >= 2 ? ([shape[0], shape[1], shape[2] ?? 1] as const) : undefined;
  if (req.model.arch === 'conv' && !imageShape) {
    throw new LabError('UNSUPPORTED', `conv models take images; this dataset has samples of ${inputDim} values: ${USE_DENSE}`);
  }
  if (req.model.kind === 'vaegan' && !imageShape) {
    throw new LabError('UNSUPPORTED', `a VAE-GAN trains on images only (its discriminator judges decoded images); this dataset has samples of ${inputDim} values: train a VAE on it`);
  }
  return { config: req.model, inputDim, numClasses: req.numClasses, output: 'bernoulli', ...(imageShape ? { imageShape } : {}) };
}

const dense = (name: string, inputs: number, units: number): Layer => ({
  name,
  type: 'Dense',
  output: [units],
  params: inputs * units + units,
  flops: 2 * inputs * units,
});

/** A VAE-GAN's discriminator layers (after the decoder's): its conv stages or dense layers, then the logit. */
function discriminatorLayers(spec: ModelSpec): Layer[] {
  const p = discriminatorPlan(spec);
  const convs = p.convs.map((s): Layer => ({
    name: s.name,
    type: 'Conv2D',
    output: [...s.out],
    params: stageParams(s),
    flops: 2 * s.out[0] * s.out[1] * s.kernel * s.kernel * s.in[2] * s.out[2],
  }));
  const sizes = [spec.inputDim, ...p.hidden];
  const denses = p.hidden.map((n, i) => dense(`dis_dense_${i}`, sizes[i], n));
  return [...convs, ...denses, dense('d_logit', p.flat, 1)];
}

/** The weight layers of a resolved spec, in forward order (the latent heads as one row; a VAE-GAN's discriminator last). */
function layersOf(spec: ModelSpec): Layer[] {
  const layers = vaeLayersOf(spec);
  return isGan(spec.config.kind) ? [...layers, ...discriminatorLayers(spec)] : layers;
}

function vaeLayersOf(spec: ModelSpec): Layer[] {
  const cfg = spec.config;
  const cond = isConditional(cfg.kind) ? spec.numClasses : 0;
  const heads = isVariational(cfg.kind) ? 2 : 1;
  const headName = heads === 2 ? 'z_mean + z_log_var' : 'z';
  const chain = (prefix: string, sizes: number[]) => sizes.slice(1).map((n, i) => dense(`${prefix}_${i}`, sizes[i], n));
  const head = (inputs: number): Layer => ({ ...dense(headName, inputs, cfg.latentDim * heads), params: heads * (inputs * cfg.latentDim + cfg.latentDim) });
  if (cfg.arch === 'conv') {
    const plan = convPlan(spec);
    const flat = plan.bottleneck[0] * plan.bottleneck[1] * plan.bottleneck[2];
    const conv = (s: (typeof plan.encoder)[number]): Layer => {
      const pixels = s.op === 'conv2d' ? s.out[0] * s.out[1] : s.in[0] * s.in[1];
      return { name: s.name, type: s.op === 'conv2d' ? 'Conv2D' : 'Conv2DTranspose', output: [...s.out], params: stageParams(s), flops: 2 * pixels * s.kernel * s.kernel * s.in[2] * s.out[2] };
    };
    return [
      ...plan.encoder.map(conv),
      ...chain('enc_dense', [flat + cond, ...plan.hidden]),
      head(plan.hidden[plan.hidden.length - 1]),
      dense('dec_dense', cfg.latentDim + cond, flat),
      ...plan.decoder.map(conv),
    ];
  }
  return [
    ...chain('enc_dense', [spec.inputDim + cond, ...cfg.hidden]),
    head(cfg.hidden[cfg.hidden.length - 1]),
    ...chain('dec_dense', [cfg.latentDim + cond, ...[...cfg.hidden].reverse()]),
    dense('logits', cfg.hidden[0], spec.inputDim),
  ];
}

/**
 * The card of `req.model` on samples of `req.shape` with `req.numClasses` classes.
 * @throws LabError UNSUPPORTED (conv on data that is not a 28/32/64-square image with 1 or 3
 *   channels; a VAE-GAN on data that is not images), INVALID_PAYLOAD (more conv stages than the image side halves).
 */
export function describeModel(req: RequestParsed<'models:describe'>): Card {
  const base = specOf(req);
  const config = resolveModelConfig(req.model, base);
  const spec: ModelSpec = { ...base, config };
  const flops = flopsPerSample(spec);
  return {
    params: countParams(spec),
    flops,
    layers: layersOf(spec),
    hidden: [...config.hidden],
    ...(config.arch === 'conv' && config.convFilters ? { convFilters: [...config.convFilters] } : {}),
  };
}
