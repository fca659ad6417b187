/**
 * `latent-lab train`'s progress line: a VAE-GAN's line carries the discriminator's, the
 * generator's and the feature term's losses (the three the app's live line shows), a VAE's none.
 */
import { describe, expect, it } from 'vitest';
import type { TrainProgress } from '../../src-shared/types';
import { bar } from '../../src-main/cli/train';

const at: TrainProgress = {
  runId: 'r',
  state: 'training',
  epoch: 5,
  epochs: 5,
  batch: 125,
  batches: 125,
  samplesPerSecond: 3960,
  etaSeconds: 0,
  beta: 1,
  train: { loss: 136.7, recon: 121.7, kl: 15.03 },
  val: { loss: 134.03, recon: 119.0, kl: 15.03 },
};

describe('train progress line', () => {
  it('a VAE-GAN\'s line gives D, G and the feature term (the tester\'s default run, epoch 5)', () => {
    const line = bar({ ...at, train: { ...at.train, gan: { disc: 0.715, gen: 4.184, feature: 11.183 } } });
    expect(line).toContain('loss 136.70 (recon 121.70, kl 15.03, D 0.71, G 4.18, feature 11.18) val 134.03');
    expect(line).toMatch(/^\[#{24}\] epoch 5\/5 batch 125\/125 /);
  });

  it('the ETA is given in seconds once estimated, "estimating…" before (never "ETA 0s" at the start)', () => {
    expect(bar({ ...at, epoch: 1, batch: 2, val: undefined, etaSeconds: null })).toMatch(/ ETA estimating…$/);
    expect(bar({ ...at, epoch: 2, batch: 10, val: undefined, etaSeconds: 83.6 })).toMatch(/ ETA 84s$/);
  });

  it('a VAE\'s line has no GAN terms', () => {
    const line = bar(at);
    expect(line).toContain('loss 136.70 (recon 121.70, kl 15.03) val 134.03');
    expect(line).not.toMatch(/D |G |feature/);
  });
});
