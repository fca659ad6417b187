/**
 * `models:describe` through the engine: the model card the Train form shows beside its settings.
 * Its parameter count is the built tfjs model's, its layers add up to it, its FLOPs are the
 * training step's, conv widths left out come back as the size's defaults, and a config that
 * cannot be built is refused in words.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';
import { buildModel, disposeBundle, flopsPerSample } from '../../src-main/engine/models/build';
import { ModelConfig, type ModelConfigInput } from '../../src-shared/types';

let tmp: string;
let engine: Engine;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-model-card-'));
  engine = await Engine.create({ workspace: path.join(tmp, 'ws'), emit: () => undefined });
}, 60_000);
afterAll(async () => {
  await engine?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

const describeModel = (model: ModelConfigInput, shape: number[], numClasses = 10) => engine.call('models:describe', { model, shape, numClasses });

/** Parameters of the tfjs model the engine would build for this config and input. */
function builtParams(model: ModelConfigInput, inputDim: number, numClasses = 10): number {
  const b = buildModel({ config: ModelConfig.parse(model), inputDim, numClasses, output: 'bernoulli' }, 1);
  try {
    return b.encoder.countParams() + b.decoder.countParams();
  } finally {
    disposeBundle(b);
  }
}

describe('models:describe', () => {
  it.each([
    ['dense VAE 784-256-3', { kind: 'vae', latentDim: 3 }, [28, 28]],
    ['conv VAE (Keras example)', { kind: 'vae', arch: 'conv', latentDim: 2 }, [28, 28, 1]],
    ['conv CVAE 32×32×3 with own widths', { kind: 'cvae', arch: 'conv', latentDim: 4, convFilters: [8, 16], hidden: [12] }, [32, 32, 3]],
    ['dense AE on 2-D points', { kind: 'ae', latentDim: 2, hidden: [16, 8] }, [2]],
  ] as [string, ModelConfigInput, number[]][])('%s: the card counts what the engine builds', async (_what, model, shape) => {
    const card = await describeModel(model, shape);
    const inputDim = shape.reduce((a, b) => a * b, 1);
    expect(card.params).toBe(builtParams(card.convFilters ? { ...model, convFilters: card.convFilters, hidden: card.hidden } : model, inputDim));
    expect(card.layers.reduce((s, l) => s + l.params, 0)).toBe(card.params);
    // Forward FLOPs are the layers' sum; a training step costs forward + backward.
    expect(card.layers.reduce((s, l) => s + l.flops, 0)).toBe(card.flops.forward);
    expect(card.flops.trainStep).toBe(card.flops.forward + card.flops.backward);
    expect(card.layers[card.layers.length - 1].output.reduce((a, b) => a * b, 1)).toBe(inputDim);
  });

  it('a conv model left to its defaults gets the size’s widths, and its FLOPs are the training step’s', async () => {
    const keras = await describeModel({ kind: 'vae', arch: 'conv', latentDim: 2 }, [28, 28, 1]);
    expect(keras).toMatchObject({ convFilters: [32, 64], hidden: [16] });
    expect(keras.layers.map((l) => l.type)).toEqual(['Conv2D', 'Conv2D', 'Dense', 'Dense', 'Dense', 'Conv2DTranspose', 'Conv2DTranspose', 'Conv2DTranspose']);
    expect(keras.layers[1].output).toEqual([7, 7, 64]);
    const spec = { config: ModelConfig.parse({ kind: 'vae', arch: 'conv', latentDim: 2, convFilters: [32, 64], hidden: [16] }), inputDim: 784, numClasses: 10, output: 'bernoulli' as const };
    expect(keras.flops).toEqual(flopsPerSample(spec));
    const rgb64 = await describeModel({ kind: 'vae', arch: 'conv', latentDim: 32 }, [64, 64, 3]);
    expect(rgb64).toMatchObject({ convFilters: [32, 64, 128, 256], hidden: [256] });
    // A dense model on the same digits is a fraction of the conv model's work per sample.
    const dense = await describeModel({ kind: 'vae', latentDim: 2 }, [28, 28]);
    expect(dense.flops.trainStep).toBeLessThan(keras.flops.trainStep / 5);
  });

  it('a CVAE’s label adds its one-hot inputs to the encoder and decoder dense layers', async () => {
    const vae = await describeModel({ kind: 'vae', arch: 'conv', latentDim: 2 }, [28, 28, 1], 10);
    const cvae = await describeModel({ kind: 'cvae', arch: 'conv', latentDim: 2 }, [28, 28, 1], 10);
    // enc_dense_0: +10·16 weights; dec_dense: +10·3136.
    expect(cvae.params - vae.params).toBe(10 * 16 + 10 * 7 * 7 * 64);
  });

  it('what cannot be built is refused in words', async () => {
    await expect(describeModel({ kind: 'vae', arch: 'conv', latentDim: 2, convFilters: [8, 8, 8] }, [28, 28, 1])).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
      message: expect.stringMatching(/28×28 image halves exactly only 2 times/),
    });
    await expect(describeModel({ kind: 'vae', arch: 'conv', latentDim: 2 }, [2])).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/use a dense model \(Dense in the form's Architecture, --arch dense in the CLI\)/) });
    await expect(describeModel({ kind: 'vae', arch: 'conv', latentDim: 2 }, [30, 30, 1])).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(engine.call('models:describe', { model: { kind: 'vae' }, shape: [], numClasses: 10 })).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
  });
});
