/**
 * The VAE-GAN's weight average (ModelConfig.emaDecay, src-shared/vaegan.ts emaDecayAt) on the tfjs
 * paths: the one-worker stepper (parallel/ganStepper.ts) hands out θ̄ for the encoder and decoder
 * and the raw discriminator, equal to a reference average of the raw weights after each step; the
 * in-process loop (train.ts) trains the same raw trajectory as a run without the average, shows θ̄
 * to its epoch ends, a pause and its end (done or stopped); emaDecay 0 is the raw weights exactly.
 * Also the CLI's `--ema-decay` and the run names (the Train form's field:
 * renderer/vaegan-ema.svelte.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { emaDecayAt, ModelConfig, TrainConfig, VAEGAN_DEFAULTS, type RunSummary } from '../../src-shared/types';
import { initBackend } from '../../src-main/engine/backend';
import { buildModel, disposeBundle, trainableVariables, type ModelBundle, type ModelSpec } from '../../src-main/engine/models/build';
import { GanWeightAverage, variablesOf } from '../../src-main/engine/models/vaegan';
import { GanStepper } from '../../src-main/engine/parallel/ganStepper';
import type { WorkerInit } from '../../src-main/engine/parallel/workerMessages';
import { TrainControl, trainModel, type ProgressInfo } from '../../src-main/engine/train';
import type { SplitData } from '../../src-main/engine/metrics';
import { trainConfig } from '../../src-main/cli/train';
import { parseCommandLine } from '../../src-main/cli/args';
import { defaultRunName } from '../../src-main/engine/runNames';

beforeAll(async () => {
  await initBackend();
});

const D = 12;
const N = 32;
const spec = (emaDecay: number): ModelSpec => ({
  config: ModelConfig.parse({ kind: 'vaegan', latentDim: 2, hidden: [8], ganLoss: 'standard', emaDecay }),
  inputDim: D,
  numClasses: 10,
  output: 'bernoulli',
});

/** N rows of D values in [0, 1] (deterministic), labels i % 10. */
function rows(n = N, salt = 0): SplitData {
  const x = new Float32Array(n * D);
  for (let i = 0; i < x.length; i++) {
    const h = Math.abs(Math.sin(i * 12.9898 + salt) * 43758.5453);
    x[i] = h - Math.floor(h);
  }
  return { x, y: Int32Array.from({ length: n }, (_, i) => i % 10), count: n } as unknown as SplitData;
}

const flat = (vars: tf.Variable[]) => {
  const parts = vars.map((v) => v.dataSync() as Float32Array);
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
};
/** The encoder's and decoder's share of a flat `trainableVariables` vector (they come first). */
const genSize = (b: ModelBundle) => [...variablesOf(b.encoder), ...variablesOf(b.decoder)].reduce((s, v) => s + v.size, 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
/** θ̄ ← d_t·θ̄ + (1 − d_t)·θ in float64 (the reference). */
const emaStep = (avg: Float64Array, raw: ArrayLike<number>, decay: number, t: number) => {
  const d = emaDecayAt(decay, t);
  for (let i = 0; i < avg.length; i++) avg[i] = d * avg[i] + (1 - d) * raw[i];
};

describe('GanWeightAverage and the tfjs worker stepper', () => {
  function stepper(emaDecay: number): GanStepper {
    const s = spec(emaDecay);
    const b = buildModel(s, 5);
    const vars = trainableVariables(b);
    const data = rows();
    const x = new SharedArrayBuffer(data.x.byteLength as number);
    new Float32Array(x).set(data.x as Float32Array);
    const cfg = TrainConfig.parse({ dataset: { id: 'mnist' }, model: s.config, epochs: 1, batchSize: 8, learningRate: 0.01, seed: 5 });
    const init = { index: 0, workers: 1, backend: tf.getBackend(), spec: s, cfg, weights: flat(vars), shapes: vars.map((v) => v.shape), n: N, shared: { x, xKind: 'f32' }, probeGradients: false } as unknown as WorkerInit;
    disposeBundle(b);
    return new GanStepper(init, []);
  }

  it('after each applied step getFlat is θ̄ (a reference average of the raw weights) for encoder + decoder and the raw discriminator; a discarded batch changes nothing', () => {
    const decay = 0.9;
    const st = stepper(decay);
    const G = genSize(st.bundle);
    const avg = Float64Array.from(flat(st.vars).subarray(0, G));
    expect(Array.from(st.getFlat().subarray(0, G))).toEqual(Array.from(avg).map(Math.fround)); // θ̄ = θ₀ before any step
    for (let t = 1; t <= 6; t++) {
      st.gradShare((i) => (t * 8 + i) % N, 8, 8, 1, 100 + t);
      st.apply(t, 8, 0.01);
      const raw = flat(st.vars);
      emaStep(avg, raw.subarray(0, G), decay, t);
      const out = st.getFlat();
      expect(maxDiff(out.subarray(0, G), avg)).toBeLessThan(1e-6);
      expect(Array.from(out.subarray(G))).toEqual(Array.from(raw.subarray(G))); // the discriminator: raw, exactly
      // Not the raw weights: the average lags them (training moved them by more than that).
      expect(maxDiff(out.subarray(0, G), raw.subarray(0, G))).toBeGreaterThan(1e-3);
    }
    // A batch whose losses were not finite: discarded, apply has nothing to apply, θ̄ is not updated.
    const before = st.getFlat();
    st.gradShare((i) => i, 8, 8, 1, 999);
    st.discard();
    st.apply(7, 8, 0.01);
    expect(Array.from(st.getFlat())).toEqual(Array.from(before));
  });

  it('emaDecay 0: no average, getFlat is the raw weights exactly', () => {
    const st = stepper(0);
    for (let t = 1; t <= 3; t++) {
      st.gradShare((i) => (t * 8 + i) % N, 8, 8, 1, 100 + t);
      st.apply(t, 8, 0.01);
      expect(Array.from(st.getFlat())).toEqual(Array.from(flat(st.vars)));
    }
    expect(GanWeightAverage.of(st.bundle, 0)).toBeNull();
  });

  it('swapIn / swapOut put θ̄ into the model and the raw weights back; dispose frees what it made', () => {
    const b = buildModel(spec(0.99), 3);
    const before = tf.memory().numTensors;
    const ema = GanWeightAverage.of(b, 0.99)!;
    const raw0 = flat(trainableVariables(b));
    // Move the model's weights away from θ₀ (a stand-in for a step), then average once.
    tf.tidy(() => ema.vars.forEach((v) => v.assign(tf.add(v, 1))));
    ema.update(1);
    const raw = flat(trainableVariables(b));
    const G = genSize(b);
    ema.swapIn();
    const shown = flat(trainableVariables(b));
    const d = emaDecayAt(0.99, 1);
    for (let i = 0; i < G; i += 7) expect(shown[i]).toBeCloseTo(d * raw0[i] + (1 - d) * raw[i], 5);
    expect(Array.from(shown.subarray(G))).toEqual(Array.from(raw.subarray(G)));
    expect(() => ema.update(2)).toThrow(/swapped in/);
    ema.swapOut();
    expect(Array.from(flat(trainableVariables(b)))).toEqual(Array.from(raw));
    ema.dispose();
    expect(tf.memory().numTensors).toBe(before);
    disposeBundle(b);
  });
});

describe('the in-process loop (train.ts) with the weight average', () => {
  const EPOCHS = 3;
  const BATCHES = N / 8;
  const cfgOf = (emaDecay: number) => TrainConfig.parse({ dataset: { id: 'mnist' }, model: spec(emaDecay).config, epochs: EPOCHS, batchSize: 8, learningRate: 0.01, seed: 4 });

  /** A run: the raw weights after every step (batch reports), the weights each epoch end's hook saw, the final weights. */
  async function run(emaDecay: number, opts: { stopAt?: number; pauseAt?: number } = {}) {
    const b = buildModel(spec(emaDecay), 7);
    const vars = trainableVariables(b);
    const control = new TrainControl();
    const steps: Float32Array[] = [];
    const epochEnds: Float32Array[] = [];
    let paused: Float32Array | null = null;
    let held: Promise<void> | null = null;
    const r = await trainModel(b, cfgOf(emaDecay), { train: rows(), val: rows(16, 1) }, {
      control,
      progressIntervalMs: 0,
      onProgress: (p: ProgressInfo) => {
        if (p.val) return; // the epoch end's report (the hook below reads that model)
        steps.push(flat(vars));
        if (steps.length === opts.stopAt) control.stop();
        if (steps.length === opts.pauseAt) {
          control.pause();
          held = control.whenHeld().then(() => {
            paused = flat(vars);
            control.resume();
          });
        }
      },
      onEpochEnd: () => {
        epochEnds.push(flat(vars));
      },
    });
    if (held) await held;
    const out = { result: r, steps, epochEnds, paused: paused as Float32Array | null, final: flat(vars), G: genSize(b) };
    disposeBundle(b);
    return out;
  }

  /** The reference θ̄ after each step of a raw trajectory (index t − 1 for step t). */
  function reference(raw: Float32Array[], theta0: Float32Array, G: number, decay: number): Float64Array[] {
    const avg = Float64Array.from(theta0.subarray(0, G));
    return raw.map((w, i) => {
      emaStep(avg, w.subarray(0, G), decay, i + 1);
      return Float64Array.from(avg);
    });
  }

  it('trains the raw trajectory of a run without it; the epoch ends, a pause and the end see θ̄ (encoder + decoder), the raw discriminator', async () => {
    const decay = 0.9;
    const b0 = buildModel(spec(decay), 7);
    const theta0 = flat(trainableVariables(b0));
    disposeBundle(b0);
    const off = await run(0);
    const on = await run(decay, { pauseAt: 6 });
    expect(off.result.state).toBe('done');
    expect(on.result).toMatchObject({ state: 'done', epochsDone: EPOCHS });
    const G = on.G;
    // The same raw weights after every step: training went on from the raw weights, not from θ̄.
    expect(on.steps.length).toBe(EPOCHS * BATCHES);
    on.steps.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(off.steps[i])));
    // Without the average the model is the last step's weights; with it, θ̄ of those same steps.
    expect(Array.from(off.final)).toEqual(Array.from(off.steps.at(-1)!));
    const ref = reference(off.steps, theta0, G, decay);
    expect(maxDiff(on.final.subarray(0, G), ref.at(-1)!)).toBeLessThan(1e-5);
    expect(maxDiff(on.final.subarray(0, G), off.final.subarray(0, G))).toBeGreaterThan(1e-3);
    expect(Array.from(on.final.subarray(G))).toEqual(Array.from(off.final.subarray(G)));
    // Each epoch end's hook (checkpoint, snapshot, GAN health) read θ̄ of the steps so far.
    expect(on.epochEnds.length).toBe(EPOCHS);
    on.epochEnds.forEach((w, e) => {
      expect(maxDiff(w.subarray(0, G), ref[(e + 1) * BATCHES - 1])).toBeLessThan(1e-5);
      expect(Array.from(w.subarray(G))).toEqual(Array.from(off.steps[(e + 1) * BATCHES - 1].subarray(G)));
    });
    // A run without the average: its hooks read the raw weights.
    off.epochEnds.forEach((w, e) => expect(Array.from(w)).toEqual(Array.from(off.steps[(e + 1) * BATCHES - 1])));
    // Held in a pause after step 6: the model looked at is θ̄; on resume training took the raw weights again (above).
    expect(on.paused).not.toBeNull();
    expect(maxDiff(on.paused!.subarray(0, G), ref[5])).toBeLessThan(1e-5);
  }, 120_000);

  it('a stopped run ends on θ̄ of the steps it took', async () => {
    const decay = 0.9;
    const b0 = buildModel(spec(decay), 7);
    const theta0 = flat(trainableVariables(b0));
    disposeBundle(b0);
    const on = await run(decay, { stopAt: BATCHES + 2 });
    expect(on.result.state).toBe('cancelled');
    expect(on.steps.length).toBe(BATCHES + 2);
    const ref = reference(on.steps, theta0, on.G, decay);
    expect(maxDiff(on.final.subarray(0, on.G), ref.at(-1)!)).toBeLessThan(1e-5);
    expect(Array.from(on.final.subarray(on.G))).toEqual(Array.from(on.steps.at(-1)!.subarray(on.G)));
  }, 120_000);
});

describe('the weight average on every surface', () => {
  const cli = (argv: string[]) => trainConfig(parseCommandLine(argv).options);

  it('the CLI: --ema-decay reaches the VAE-GAN config; refused off VAE-GAN and out of range', () => {
    expect(cli(['--model', 'vaegan', '--ema-decay', '0.99']).model).toMatchObject({ kind: 'vaegan', emaDecay: 0.99 });
    expect(cli(['--model', 'vaegan', '--ema-decay', '0']).model).toMatchObject({ emaDecay: 0 });
    expect(cli(['--model', 'vaegan']).model).not.toHaveProperty('emaDecay', expect.anything());
    expect(TrainConfig.parse(cli(['--model', 'vaegan'])).model.emaDecay).toBe(VAEGAN_DEFAULTS.emaDecay);
    expect(() => cli(['--model', 'vae', '--ema-decay', '0.9'])).toThrow(/--ema-decay needs --model vaegan/);
    expect(() => cli(['--model', 'vaegan', '--ema-decay', '1'])).toThrow(/--ema-decay must be .*0.*0\.99999/);
    expect(() => cli(['--model', 'vaegan', '--ema-decay', '-0.1'])).toThrow(/--ema-decay must be/);
    expect(() => cli(['--model', 'vaegan', '--ema-decay', 'high'])).toThrow(/--ema-decay must be/);
  });

  it('run names say a weight average that is not the default ("EMA 0.99", "no EMA" for 0)', () => {
    const name = (model: Record<string, unknown>) => defaultRunName(TrainConfig.parse({ dataset: { id: 'mnist' }, model: { kind: 'vaegan', latentDim: 8, ...model } }) as unknown as RunSummary['config']);
    expect(name({})).toBe('VAE-GAN z=8 · mnist');
    expect(name({ emaDecay: VAEGAN_DEFAULTS.emaDecay })).toBe('VAE-GAN z=8 · mnist');
    expect(name({ emaDecay: 0.99 })).toBe('VAE-GAN z=8 EMA 0.99 · mnist');
    expect(name({ emaDecay: 0 })).toBe('VAE-GAN z=8 no EMA · mnist');
    expect(name({ gamma: 0.1, emaDecay: 0 })).toBe('VAE-GAN z=8 γ=0.1 no EMA · mnist');
  });
});
