/**
 * The reconstruction likelihood of a run: which one (`ModelConfig.likelihood`, `auto` decided by
 * the data) and the Gaussian's fixed σ. tfjs-free: the tfjs loss (loss.ts), the kernels' layer
 * program (kernels/dense/denseNet.ts) and the training start share it.
 *
 * Gaussian, per sample of D values, in nats:
 *   −log p(x | μ) = ½·Σ ((x − μ)/σ)² + D·log(σ·√(2π))
 * and its gradient with respect to μ is (μ − x)/σ² (the constant has none).
 */
import { DEFAULT_SIGMA, LabError, type ModelConfig } from '../../../src-shared/types';
import type { OutputKind } from './spec';

/** log √(2π). */
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * The config's likelihood decided for the data: `auto` → Bernoulli for images, Gaussian for 2-D
 * points; the Gaussian's σ filled in (`DEFAULT_SIGMA`) when left out. Returns the output kind and
 * the model config with both written (what the run saves).
 * @throws LabError INVALID_PAYLOAD for a Bernoulli likelihood on data that are not images (values
 *   outside [0, 1]).
 */
export function resolveLikelihood(model: ModelConfig, isImage: boolean): { output: OutputKind; model: ModelConfig } {
  const output: OutputKind = model.likelihood === 'auto' ? (isImage ? 'bernoulli' : 'gaussian') : model.likelihood;
  if (output === 'bernoulli' && !isImage) {
    throw new LabError('INVALID_PAYLOAD', 'a Bernoulli likelihood needs images (values in [0, 1]); 2-D points take the Gaussian one');
  }
  if (output === 'bernoulli') return { output, model: { ...model, likelihood: output } };
  const sigma = model.sigma ?? (isImage ? DEFAULT_SIGMA.image : DEFAULT_SIGMA.points);
  return { output, model: { ...model, likelihood: output, sigma } };
}

/** The Gaussian's σ of a (resolved or saved) config: runs saved before σ existed had 1. */
export function gaussianSigma(model: Pick<ModelConfig, 'sigma'>): number {
  return model.sigma ?? 1;
}

/** D·log(σ·√(2π)): the Gaussian's normalising constant per sample of D values, nats. */
export function gaussianConstant(D: number, sigma: number): number {
  return D * (Math.log(sigma) + HALF_LOG_2PI);
}
