/**
 * `vaeganSettings`, the one place a VAE-GAN's defaults are applied: absent settings become
 * `VAEGAN_DEFAULTS`, given ones (0 included) are kept; the contract's transform and the engine's
 * readers give the same four values; a saved run without `ganLoss` still reads as 'standard'.
 */
import { describe, expect, it } from 'vitest';
import { ModelConfig, VAEGAN_DEFAULTS, vaeganSettings, withSavedGanLoss } from '../../src-shared/contract';
import { ganSettings as modelGanSettings } from '../../src-main/engine/models/vaegan';
import { ganSettings as adviceGanSettings } from '../../src-main/engine/jobs/ganAdvice';

describe('vaeganSettings', () => {
  it('fills every absent setting with its default', () => {
    expect(vaeganSettings({})).toEqual({ gamma: 0.3, pixelWeight: 1, discLrScale: 0.5, ganLoss: 'relativistic' });
    expect(vaeganSettings({})).toEqual(VAEGAN_DEFAULTS);
    expect(vaeganSettings({ gamma: undefined, ganLoss: undefined })).toEqual(VAEGAN_DEFAULTS);
  });

  it('keeps given settings, 0 included (the paper\'s features-only pixel weight)', () => {
    expect(vaeganSettings({ gamma: 0.1, pixelWeight: 0, discLrScale: 2, ganLoss: 'standard' })).toEqual({ gamma: 0.1, pixelWeight: 0, discLrScale: 2, ganLoss: 'standard' });
    expect(vaeganSettings({ pixelWeight: 0 })).toEqual({ ...VAEGAN_DEFAULTS, pixelWeight: 0 });
  });

  it('is what the contract and the engine read, with and without settings', () => {
    for (const given of [{}, { gamma: 0.05, pixelWeight: 0, discLrScale: 4, ganLoss: 'standard' as const }]) {
      const model = ModelConfig.parse({ kind: 'vaegan', latentDim: 2, ...given });
      const want = vaeganSettings(given);
      expect(model).toMatchObject(want);
      expect(modelGanSettings(model)).toEqual(want);
      const { gamma, pixelWeight, discLrScale } = adviceGanSettings(model);
      expect({ gamma, pixelWeight, discLrScale }).toEqual({ gamma: want.gamma, pixelWeight: want.pixelWeight, discLrScale: want.discLrScale });
    }
    // Other kinds get none of the four.
    expect(ModelConfig.parse({ kind: 'vae', latentDim: 2 })).not.toHaveProperty('gamma');
  });

  it('a saved run without ganLoss still reads as the standard loss, not the new default', () => {
    const saved = { config: { model: { kind: 'vaegan', latentDim: 2 } } };
    const model = (withSavedGanLoss(saved) as typeof saved & { config: { model: { ganLoss: string } } }).config.model;
    expect(ModelConfig.parse(model).ganLoss).toBe('standard');
  });
});
