/**
 * The VAE-GAN stability watch's reconstruction check (jobs/ganHealth.ts): a decoder that ignores
 * its input (the average training image for every input, scored by the app's own validation) is
 * "no better than the average training image", for the Bernoulli and the Gaussian likelihood;
 * good reconstructions are not; a run whose reconstructions are ruined or lose over half their
 * gain after a healthy epoch keeps the healthy epoch's checkpoint, and its warnings give the figures.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelConfig, type LossParts } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { loadEmbeddedMnist } from '../../src-main/engine/datasets/mnist';
import { rowsF32, type RowValues } from '../../src-main/engine/datasets/rows';
import { GanHealth, RECON_DROP, RECON_SHARE_MIN } from '../../src-main/engine/jobs/ganHealth';
import { evaluate, type SplitData } from '../../src-main/engine/metrics';
import { buildModel, disposeBundle, type ModelBundle } from '../../src-main/engine/models/build';
import type { OutputKind } from '../../src-main/engine/models/spec';

let data: { train: SplitData; test: SplitData };
beforeAll(async () => {
  await initBackend();
  const m = await loadEmbeddedMnist();
  const cut = (s: { x: RowValues; y: Int32Array }, n: number) => ({ x: s.x.slice(0, n * 784), y: s.y.slice(0, n), count: n });
  data = { train: cut(m.train, 300), test: cut(m.test, 200) };
});

function vaegan(output: OutputKind): ModelBundle {
  const likelihood = output === 'gaussian' ? { likelihood: output, sigma: 0.1 } : { likelihood: output };
  const config = ModelConfig.parse({ kind: 'vaegan', latentDim: 4, hidden: [32], ...likelihood });
  return buildModel({ config, inputDim: 784, numClasses: 10, output }, 1);
}

/** The decoder's last Dense layer (its output is the logits, or the Gaussian's means). */
const lastDense = (b: ModelBundle) => b.decoder.layers.filter((l) => l.getClassName() === 'Dense').at(-1)!;

/** Makes the decoder output the training split's mean image whatever z is (kernel 0, bias the mean's logits or the mean). */
function decodeTheAverageImage(b: ModelBundle, output: OutputKind): void {
  const x = rowsF32(data.train.x, 784, 0, data.train.count);
  const mean = new Float32Array(784);
  for (let i = 0; i < x.length; i++) mean[i % 784] += x[i] / data.train.count;
  const p = mean.map((v) => Math.min(Math.max(v, 1e-3), 1 - 1e-3));
  const bias = output === 'bernoulli' ? p.map((v) => Math.log(v / (1 - v))) : mean;
  const layer = lastDense(b);
  const [k] = layer.getWeights();
  layer.setWeights([tf.zerosLike(k), tf.tensor1d(bias)]);
}

const train: LossParts = { loss: 1, recon: 1, kl: 0, gan: { disc: 1.2, gen: 1, feature: 1 } };

describe('GanHealth: reconstructions that carry nothing of their input', () => {
  for (const output of ['bernoulli', 'gaussian'] as const) {
    it(`${output}: a decoder that always outputs the average training image is flagged, with the figures; good reconstructions are not`, async () => {
      const b = vaegan(output);
      const health = new GanHealth(b, data, 1);
      const { average, perfect } = health.baselines;
      expect(average).toBeGreaterThan(perfect);

      decodeTheAverageImage(b, output);
      // Scored as the run's validation scores every epoch.
      const val = await evaluate(b, data.test, { seed: 1 });
      const h = health.check(b, 1, train, val);
      expect(Math.abs(h.reconShare)).toBeLessThan(RECON_SHARE_MIN); // as good as the average image, no better
      expect(h.reconRuined).toBe(true);
      const w = health.warnings().join('\n');
      expect(w).toContain(
        `reconstructions are no better than the average training image since epoch 1: ${val.recon.toFixed(0)} nats per test image at epoch 1 against the average image's ${average.toFixed(0)} and a perfect copy's ${perfect.toFixed(0)}`,
      );
      expect(w).toMatch(/lower the discriminator's rate \(discLrScale\) or raise the pixel weight/);

      // Reconstructions a third of the way to perfect copies: healthy, nothing said.
      const good = health.check(b, 2, train, { ...val, recon: average - (average - perfect) / 3 });
      expect(good.reconRuined).toBe(false);
      expect(good.reconDiverged).toBe(false);
      expect(health.warnings().some((s) => /reconstructions/.test(s))).toBe(false);
      disposeBundle(b);
    });
  }

  it('an epoch whose reconstructions are ruined or lose over half their gain after a healthy one is not checkpointed; the healthy one is kept', () => {
    const b = vaegan('bernoulli');
    // A decoder driven hard by z: varied prior samples (no collapse), so only the reconstructions decide.
    const layer = lastDense(b);
    const [k, bias] = layer.getWeights();
    layer.setWeights([tf.mul(k, 40), bias]);
    const health = new GanHealth(b, data, 1);
    const { average, perfect } = health.baselines;
    /** Validation losses whose reconstructions are `share` of the way from the average image to perfect copies. */
    const at = (share: number): LossParts => ({ loss: 0, kl: 0, recon: average - share * (average - perfect) });

    const h1 = health.check(b, 1, train, at(0.5));
    expect(health.shouldSave(h1)).toBe(true);
    health.markSaved(h1);
    expect(health.warnings()).toEqual([]);

    // Ruined: worse than the average image.
    const h2 = health.check(b, 2, train, at(-0.1));
    expect(h2.reconRuined).toBe(true);
    expect(health.shouldSave(h2)).toBe(false);
    expect(health.unsavedLatest).toBe(true);
    expect(health.warnings().join('\n')).toMatch(/no better than the average training image since epoch 2.*\(worse than the average image\)[\s\S]*saved model is from epoch 1, the last healthy one \(epoch 2 was not saved\)/);

    // Better than the average image but under half the best epoch's gain: diverging.
    const worse = 0.8 * RECON_DROP * 0.5;
    const h3 = health.check(b, 3, train, at(worse));
    expect(h3.reconRuined).toBe(false);
    expect(h3.reconDiverged).toBe(true);
    expect(health.shouldSave(h3)).toBe(false);
    const w3 = health.warnings();
    expect(w3.join('\n')).toContain(`reconstructions are getting worse since epoch 3: ${at(worse).recon.toFixed(0)} nats per test image at epoch 3 against ${at(0.5).recon.toFixed(0)} at epoch 1, their best`);
    expect(w3.some((s) => /no better than the average/.test(s))).toBe(false); // that problem is over
    expect(w3.at(-1)).toMatch(/saved model is from epoch 1/);

    // Back over half the best's gain: healthy again, saved, nothing said.
    const h4 = health.check(b, 4, train, at(0.45));
    expect(health.shouldSave(h4)).toBe(true);
    health.markSaved(h4);
    expect(health.warnings()).toEqual([]);
    expect(health.unsavedLatest).toBe(false);
    disposeBundle(b);
  });
});
