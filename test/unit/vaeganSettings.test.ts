/**
 * `vaeganSettings`, the one place a VAE-GAN's defaults are applied: absent settings become
 * `VAEGAN_DEFAULTS`, given ones (0 included) are kept; the contract's transform and the engine's
 * readers give the same four values; a saved run without `ganLoss` still reads as 'standard'.
 */
import { describe, expect, it } from 'vitest';
import { emaDecayAt, ModelConfig, VAEGAN_DEFAULTS, vaeganSettings, withSavedGanSettings } from '../../src-shared/contract';
import { ganSettings as adviceGanSettings } from '../../src-main/engine/jobs/ganAdvice';

describe('vaeganSettings', () => {
  it('fills every absent setting with its default', () => {
    expect(vaeganSettings({})).toEqual({ gamma: 0.3, pixelWeight: 3, discLrScale: 0.5, ganLoss: 'relativistic', emaDecay: 0.999 });
    expect(vaeganSettings({})).toEqual(VAEGAN_DEFAULTS);
    expect(vaeganSettings({ gamma: undefined, ganLoss: undefined })).toEqual(VAEGAN_DEFAULTS);
  });

  it('keeps given settings, 0 included (the paper\'s features-only pixel weight)', () => {
    expect(vaeganSettings({ gamma: 0.1, pixelWeight: 0, discLrScale: 2, ganLoss: 'standard', emaDecay: 0 })).toEqual({ gamma: 0.1, pixelWeight: 0, discLrScale: 2, ganLoss: 'standard', emaDecay: 0 });
    expect(vaeganSettings({ emaDecay: 0 }).emaDecay).toBe(0);
    expect(vaeganSettings({ pixelWeight: 0 })).toEqual({ ...VAEGAN_DEFAULTS, pixelWeight: 0 });
  });

  it('is what the contract and the engine read, with and without settings', () => {
    for (const given of [{}, { gamma: 0.05, pixelWeight: 0, discLrScale: 4, ganLoss: 'standard' as const, emaDecay: 0.99 }]) {
      const model = ModelConfig.parse({ kind: 'vaegan', latentDim: 2, ...given });
      const want = vaeganSettings(given);
      expect(model).toMatchObject(want);
      expect(vaeganSettings(model)).toEqual(want);
      const { gamma, pixelWeight, discLrScale } = adviceGanSettings(model);
      expect({ gamma, pixelWeight, discLrScale }).toEqual({ gamma: want.gamma, pixelWeight: want.pixelWeight, discLrScale: want.discLrScale });
    }
    // Other kinds get none of the four.
    expect(ModelConfig.parse({ kind: 'vae', latentDim: 2 })).not.toHaveProperty('gamma');
  });

  it('a saved run without ganLoss and emaDecay still reads as the standard loss without a weight average, not the new defaults', () => {
    const saved = { config: { model: { kind: 'vaegan', latentDim: 2 } } };
    const model = (withSavedGanSettings(saved) as typeof saved & { config: { model: { ganLoss: string } } }).config.model;
    expect(ModelConfig.parse(model)).toMatchObject({ ganLoss: 'standard', emaDecay: 0 });
    // One saved with the loss but before the average: only the average is filled.
    const rel = { config: { model: { kind: 'vaegan', ganLoss: 'relativistic' } } };
    expect(ModelConfig.parse((withSavedGanSettings(rel) as typeof rel).config.model)).toMatchObject({ ganLoss: 'relativistic', emaDecay: 0 });
    const both = { config: { model: { kind: 'vaegan', ganLoss: 'relativistic', emaDecay: 0.99 } } };
    expect(withSavedGanSettings(both)).toBe(both);
  });

  it('emaDecayAt: the TensorFlow ExponentialMovingAverage warm-up min(d, (1+t)/(10+t)), 0 when off', () => {
    expect(emaDecayAt(0.999, 1)).toBeCloseTo(2 / 11, 12);
    expect(emaDecayAt(0.999, 250)).toBeCloseTo(251 / 260, 12);
    expect(emaDecayAt(0.999, 1e6)).toBe(0.999);
    expect(emaDecayAt(0, 1e6)).toBe(0);
    // After 250 steps the initial weights' share of the average is small (not 0.999^250 ≈ 78 %).
    let share = 1;
    for (let t = 1; t <= 250; t++) share *= emaDecayAt(0.999, t);
    expect(share).toBeLessThan(0.05);
    expect(() => ModelConfig.parse({ kind: 'vaegan', emaDecay: 1 })).toThrow();
    expect(() => ModelConfig.parse({ kind: 'vae', emaDecay: 0.9 })).toThrow(/VAE-GAN models only/);
  });
});
