/**
 * The reconstruction likelihood (issue #12): Bernoulli for images, Gaussian with a fixed σ for
 * 2-D points by default, either by choice; the loss in nats per sample with the Gaussian's
 * constant; `auto` resolved and saved with the run; test metrics say which likelihood the ELBO is
 * under. (The kernels' Gaussian loss and gradient equal tfjs's: dense-kernels.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { Engine } from '../../src-main/engine/engine';
import { gaussianConstant, resolveLikelihood } from '../../src-main/engine/models/likelihood';
import { reconPerSample } from '../../src-main/engine/models/loss';
import { DEFAULT_SIGMA, LabError, ModelConfig } from '../../src-shared/types';
import { makeFolderDataset } from '../fixtures/generate';

let tmp: string;
let engine: Engine;
beforeAll(async () => {
  await initBackend();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-likelihood-'));
  engine = await Engine.create({ workspace: path.join(tmp, 'ws'), emit: () => undefined });
}, 60_000);
afterAll(async () => {
  await engine?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the Gaussian likelihood', () => {
  it('is ½·Σ((x − μ)/σ)² + D·log(σ·√(2π)) nats per sample', () => {
    const x = [0.2, 0.9, 0.5, 0, 1, 0.3];
    const mu = [0.1, 1.1, 0.5, 0.2, 0.7, 0.3];
    for (const sigma of [1, 0.1, 2.5]) {
      const got = tf.tidy(() => reconPerSample(tf.tensor2d(x, [2, 3]), tf.tensor2d(mu, [2, 3]), 'gaussian', sigma).arraySync());
      for (let r = 0; r < 2; r++) {
        let sse = 0;
        for (let j = 0; j < 3; j++) sse += ((x[r * 3 + j] - mu[r * 3 + j]) / sigma) ** 2;
        const want = 0.5 * sse + 3 * Math.log(sigma * Math.sqrt(2 * Math.PI));
        expect(got[r]).toBeCloseTo(want, 4);
      }
    }
    // A perfect reconstruction at σ = 1 still costs D·log √(2π) ≈ 0.919 nats per value.
    expect(gaussianConstant(2, 1)).toBeCloseTo(1.8379, 4);
  });

  it('auto resolves by the data; σ defaults by the data; Bernoulli on 2-D points and σ with Bernoulli are refused', () => {
    const auto = ModelConfig.parse({});
    const img = resolveLikelihood(auto, true);
    expect(img).toMatchObject({ output: 'bernoulli', model: { likelihood: 'bernoulli' } });
    expect(img.model.sigma).toBeUndefined();
    expect(resolveLikelihood(auto, false)).toMatchObject({ output: 'gaussian', model: { likelihood: 'gaussian', sigma: DEFAULT_SIGMA.points } });
    expect(DEFAULT_SIGMA.points).toBeLessThan(1); // σ 1 is standardised points' own spread: collapse
    expect(resolveLikelihood(ModelConfig.parse({ likelihood: 'gaussian' }), true).model.sigma).toBe(0.1);
    expect(resolveLikelihood(ModelConfig.parse({ likelihood: 'gaussian', sigma: 0.25 }), true).model.sigma).toBe(0.25);
    const bern = () => resolveLikelihood(ModelConfig.parse({ likelihood: 'bernoulli' }), false);
    expect(bern).toThrow(LabError);
    expect(bern).toThrow(/Bernoulli likelihood needs images/);
    expect(ModelConfig.safeParse({ likelihood: 'bernoulli', sigma: 0.1 }).success).toBe(false);
    expect(ModelConfig.safeParse({ likelihood: 'gaussian', sigma: 0 }).success).toBe(false);
  });
});

describe('runs record their likelihood', () => {
  it('a toy 2-D run is Gaussian with the points\' default σ, constant included; Bernoulli on 2-D points fails before a run exists', async () => {
    const { runId } = await engine.call('training:start', {
      dataset: { id: 'toy-moons' },
      model: { kind: 'vae', latentDim: 2, hidden: [16] },
      epochs: 2,
      batchSize: 128,
      name: 'moons',
    });
    await engine.waitForTraining();
    const run = (await engine.call('runs:list', {})).find((r) => r.id === runId)!;
    expect(run.config.model).toMatchObject({ likelihood: 'gaussian', sigma: DEFAULT_SIGMA.points });
    expect(run.metrics).toMatchObject({ likelihood: 'gaussian', sigma: DEFAULT_SIGMA.points });
    // The reconstruction term can never go below the constant: 2·log(σ·√(2π)) nats.
    expect(run.metrics!.recon).toBeGreaterThan(gaussianConstant(2, DEFAULT_SIGMA.points));
    expect(run.metrics!.elbo).toBeCloseTo(run.metrics!.recon + run.metrics!.kl, 4);

    const before = (await engine.call('runs:list', {})).length;
    const err = await engine.call('training:start', { dataset: { id: 'toy-moons' }, model: { likelihood: 'bernoulli' }, epochs: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_PAYLOAD' });
    expect((err as Error).message).toMatch(/Bernoulli likelihood needs images/);
    expect((await engine.call('runs:list', {})).length).toBe(before);
  }, 120_000);

  it('an image run trains under a Gaussian likelihood (σ 0.1 by default) and its metrics say so; images default to Bernoulli', async () => {
    const folder = path.join(tmp, 'digits');
    await makeFolderDataset(folder, ['a', 'b'], 12);
    const start = (model: object) =>
      engine.call('training:start', { dataset: { id: 'local', path: folder }, model: { kind: 'vae', latentDim: 2, hidden: [32], ...model }, epochs: 2, batchSize: 8 });
    const g = await start({ likelihood: 'gaussian' });
    await engine.waitForTraining();
    const b = await start({});
    await engine.waitForTraining();
    const runs = await engine.call('runs:list', {});
    const gauss = runs.find((r) => r.id === g.runId)!;
    const bern = runs.find((r) => r.id === b.runId)!;
    expect(gauss.config.model).toMatchObject({ likelihood: 'gaussian', sigma: 0.1 });
    expect(gauss.metrics).toMatchObject({ likelihood: 'gaussian', sigma: 0.1 });
    expect(Number.isFinite(gauss.metrics!.elbo)).toBe(true);
    expect(bern.config.model.likelihood).toBe('bernoulli');
    expect(bern.metrics).toMatchObject({ likelihood: 'bernoulli' });
    expect(bern.metrics!.sigma).toBeUndefined();
  }, 120_000);
});
