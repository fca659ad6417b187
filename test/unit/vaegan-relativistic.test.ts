/**
 * The VAE-GAN's relativistic average GAN loss (RaSGAN, Jolicoeur-Martineau 2018; `ganLoss:
 * 'relativistic'`, issue #15): the contract takes it on VAE-GANs only and reads saved configs
 * without it as 'standard'; the tfjs losses equal a hand computation on a tiny batch (and the
 * chance levels 2·ln 2 / 4·ln 2); the kernels' logit gradients equal finite differences; the
 * kernels' step equals tfjs's autodiff for every network; a batch split over two threads adds
 * up to the one-thread gradient only because the batch means are summed across them (per-thread
 * means give another gradient); two real training workers give the in-process gradient; the CLI's
 * `--gan-loss` reaches the config and is refused where it does not apply.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ganChance, GAN_LOSSES, ModelConfig, TrainConfig, VAEGAN_DEFAULTS, type ModelConfigInput } from '../../src-shared/types';
import { SAVED_RUN_GAN_LOSS, withSavedGanSettings } from '../../src-shared/vaegan';
import { initBackend } from '../../src-main/engine/backend';
import { buildModel, disposeBundle, trainableVariables, type ModelBundle, type OutputKind } from '../../src-main/engine/models/build';
import { featuresAndLogit } from '../../src-main/engine/models/discriminator';
import { ganLosses, ganNoise, vaeganGradients, vaeganLosses, type GanGradients } from '../../src-main/engine/models/vaegan';
import { GanNet, ownRows, relativisticLogits, type AllSum } from '../../src-main/engine/kernels/dense/ganNet';
import { createGanMemory, planGan } from '../../src-main/engine/kernels/dense/ganPlan';
import { trainModelParallel } from '../../src-main/engine/parallel/trainParallel';
import { stepSeedOf, workerSeed } from '../../src-main/engine/parallel/batchSplit';
import { parseCommandLine } from '../../src-main/cli/args';
import { trainConfig } from '../../src-main/cli/train';
import { USAGE } from '../../src-main/cli/usage';
import { flatten } from './synthetic';
import { expectClose, expectNetsClose, rand, sumGanShares } from './kernelCompare';

beforeAll(async () => {
  await initBackend();
});

const sp = (t: number) => Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

/** RaSGAN's batch means by its definition (src-shared/vaegan.ts GAN_LOSSES), in plain JS. */
function byHand(r: number[], a: number[], b: number[]): { disc: number; gen: number } {
  const [R, A, B] = [mean(r), mean(a), mean(b)];
  const m = r.length;
  let disc = 0;
  let gen = 0;
  for (let i = 0; i < m; i++) {
    disc += 0.5 * (sp(A - r[i]) + sp(a[i] - R) + sp(B - r[i]) + sp(b[i] - R));
    gen += sp(R - a[i]) + sp(r[i] - A) + sp(R - b[i]) + sp(r[i] - B);
  }
  return { disc: disc / m, gen: gen / m };
}

function bundleOf(extra: ModelConfigInput, inputDim: number, output: OutputKind = 'bernoulli', seed = 5): ModelBundle {
  const config = ModelConfig.parse({ kind: 'vaegan', latentDim: 2, ganLoss: 'relativistic', ...extra });
  return buildModel({ config, inputDim, numClasses: 10, output }, seed);
}

function rows(n: number, D: number, output: OutputKind, seed: number): Float32Array {
  const r = rand(seed);
  return Float32Array.from({ length: n * D }, () => (r() < 0.3 ? 0 : output === 'bernoulli' ? r() : 4 * r() - 2));
}

describe('contract', () => {
  it("takes ganLoss on a VAE-GAN only; a new run left without it gets the default, a run saved before it reads as 'standard'", () => {
    expect(GAN_LOSSES).toEqual(['standard', 'relativistic']);
    expect(GAN_LOSSES).toContain(VAEGAN_DEFAULTS.ganLoss);
    expect(ModelConfig.parse({ kind: 'vaegan' }).ganLoss).toBe(VAEGAN_DEFAULTS.ganLoss);
    expect(TrainConfig.parse({ model: { kind: 'vaegan' } }).model.ganLoss).toBe(VAEGAN_DEFAULTS.ganLoss);
    for (const l of GAN_LOSSES) expect(ModelConfig.parse({ kind: 'vaegan', ganLoss: l }).ganLoss).toBe(l);
    expect(() => ModelConfig.parse({ kind: 'vae', ganLoss: 'relativistic' })).toThrow(/ganLoss and emaDecay apply to VAE-GAN models only/);
    expect(() => ModelConfig.parse({ kind: 'ae', ganLoss: 'standard' })).toThrow(/VAE-GAN/);
    expect(() => ModelConfig.parse({ kind: 'vaegan', ganLoss: 'wasserstein' })).toThrow();
    expect(ModelConfig.parse({ kind: 'vae' })).not.toHaveProperty('ganLoss');
    // A record saved before the setting: every VAE-GAN field but this one. It trained with the standard loss.
    const old = { version: 1, id: 'r', config: { model: { kind: 'vaegan', gamma: 0.3, pixelWeight: 1, discLrScale: 0.5 } } };
    const read = withSavedGanSettings(old) as typeof old & { config: { model: { ganLoss?: string } } };
    expect(read.config.model.ganLoss).toBe('standard');
    expect(SAVED_RUN_GAN_LOSS).toBe('standard');
    expect(old.config.model).not.toHaveProperty('ganLoss'); // not modified
    expect(TrainConfig.parse(read.config).model.ganLoss).toBe('standard');
    // A record that says its loss, another kind, or no config at all: as it is.
    const rel = { config: { model: { kind: 'vaegan', ganLoss: 'relativistic', emaDecay: 0.999 } } };
    expect(withSavedGanSettings(rel)).toBe(rel);
    const vae = { config: { model: { kind: 'vae' } } };
    expect(withSavedGanSettings(vae)).toBe(vae);
    for (const odd of [null, 3, 'x', [], {}, { config: null }, { config: { model: null } }]) expect(withSavedGanSettings(odd)).toBe(odd);
  });

  it('names the chance levels of each loss (nats per sample, all logits equal)', () => {
    expect(ganChance('standard')).toMatchObject({ disc: 3 * Math.LN2, gen: 2 * Math.LN2, discLabel: '3·ln 2', genLabel: '2·ln 2' });
    expect(ganChance('relativistic')).toMatchObject({ disc: 2 * Math.LN2, gen: 4 * Math.LN2, discLabel: '2·ln 2', genLabel: '4·ln 2' });
    expect(ganChance()).toEqual(ganChance('standard'));
  });
});

describe('tfjs losses', () => {
  it('ganLosses: a hand computation on given logits, and chance when they are all equal', () => {
    const r = [1.5, -0.3, 0.8];
    const a = [-1.2, 0.4, -2.0];
    const b = [0.1, -0.7, 2.5];
    const want = byHand(r, a, b);
    const t = (v: number[]) => tf.tensor2d(v, [3, 1]);
    const got = tf.tidy(() => {
      const { disc, gen } = ganLosses('relativistic', t(r), t(a), t(b));
      return { disc: disc.dataSync()[0], gen: gen.dataSync()[0] };
    });
    expect(got.disc).toBeCloseTo(want.disc, 5);
    expect(got.gen).toBeCloseTo(want.gen, 5);
    // Not the standard loss's values.
    const std = tf.tidy(() => ganLosses('standard', t(r), t(a), t(b)).disc.dataSync()[0]);
    expect(Math.abs(std - got.disc)).toBeGreaterThan(0.1);
    const eq = tf.tidy(() => {
      const { disc, gen } = ganLosses('relativistic', t([0.4, 0.4, 0.4]), t([0.4, 0.4, 0.4]), t([0.4, 0.4, 0.4]));
      return [disc.dataSync()[0], gen.dataSync()[0]];
    });
    expect(eq[0]).toBeCloseTo(2 * Math.LN2, 5);
    expect(eq[1]).toBeCloseTo(4 * Math.LN2, 5);
  });

  it("vaeganLosses of a tiny batch: disc and gen from the model's own logits by hand; the decoder's loss carries the new gen", () => {
    const D = 6;
    const m = 4;
    const L = 2;
    const gamma = 0.7;
    const b = bundleOf({ hidden: [5], gamma, pixelWeight: 0.4 }, D, 'bernoulli', 11);
    const x = rows(m, D, 'bernoulli', 9);
    const noise = ganNoise(m, L, 123);
    const got = tf.tidy(() => {
      const T = vaeganLosses(b, tf.tensor2d(x, [m, D]), { eps: tf.tensor2d(noise.eps, [m, L]), zp: tf.tensor2d(noise.zp, [m, L]) }, false);
      return Object.fromEntries(Object.entries(T).map(([k, v]) => [k, v.dataSync()[0]]));
    });
    const logits = tf.tidy(() => {
      const [mu, lv] = b.encoder.predict(tf.tensor2d(x, [m, D])) as tf.Tensor[];
      const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, lv)), tf.tensor2d(noise.eps, [m, L])));
      const xR = tf.sigmoid(b.decoderLogits.predict(z) as tf.Tensor);
      const xP = tf.sigmoid(b.decoderLogits.predict(tf.tensor2d(noise.zp, [m, L])) as tf.Tensor);
      const d = (t: tf.Tensor) => Array.from((featuresAndLogit(b.discriminator!).predict(t) as tf.Tensor[])[1].dataSync());
      return [d(tf.tensor2d(x, [m, D])), d(xR), d(xP)];
    });
    const want = byHand(logits[0], logits[1], logits[2]);
    const close = (a: number, e: number) => expect(Math.abs(a - e)).toBeLessThan(1e-4 * Math.max(1, Math.abs(e)));
    close(got.disc, want.disc);
    close(got.gen, want.gen);
    close(got.discriminator, want.disc);
    close(got.decoder, gamma * (got.feature + 0.4 * got.pixel) + want.gen);
    disposeBundle(b);
  });
});

describe('relativisticLogits (the kernels’ loss at the logits)', () => {
  const m = 5;
  const logits = () => {
    const r = rand(7);
    return Float64Array.from({ length: 3 * m }, () => 6 * r() - 3);
  };
  const lossOf = (d: Float64Array) => relativisticLogits(d, m, m, ownRows, new Float32Array(3 * m), new Float32Array(2 * m));

  it('its sums are the definition’s; its gradients equal central finite differences of the batch means', () => {
    const d = logits();
    const gDisc = new Float32Array(3 * m);
    const gGen = new Float32Array(2 * m);
    const s = relativisticLogits(d, m, m, ownRows, gDisc, gGen);
    const want = byHand(Array.from(d.subarray(0, m)), Array.from(d.subarray(m, 2 * m)), Array.from(d.subarray(2 * m)));
    expect(s.disc / m).toBeCloseTo(want.disc, 12);
    expect(s.gen / m).toBeCloseTo(want.gen, 12);
    const h = 1e-5;
    let worst = 0;
    for (let j = 0; j < 3 * m; j++) {
      const up = d.slice();
      const dn = d.slice();
      up[j] += h;
      dn[j] -= h;
      const [lu, ld] = [lossOf(up), lossOf(dn)];
      const fdDisc = (lu.disc - ld.disc) / (2 * h * m);
      worst = Math.max(worst, Math.abs(fdDisc - gDisc[j]));
      // The generator's gradient at the fake logits (x is data: none at d_x).
      if (j >= m) worst = Math.max(worst, Math.abs((lu.gen - ld.gen) / (2 * h * m) - gGen[j - m]));
    }
    // Float32 storage of the analytic gradients (~1e-8 relative) bounds the agreement.
    expect(worst).toBeLessThan(1e-7);
    expect(Math.max(...Array.from(gDisc, Math.abs))).toBeGreaterThan(1e-3);
  });

  it('split over threads with summed partials it gives the one-thread result; own-rows means do not', () => {
    const d = logits();
    const whole = { g: new Float32Array(3 * m), gg: new Float32Array(2 * m) };
    const s = relativisticLogits(d, m, m, ownRows, whole.g, whole.gg);
    // Threads of 2 and 3 rows (and one of 0): run them as a collective by hand, each call's partials added.
    const parts = [
      [0, 2],
      [2, 5],
      [5, 5],
    ];
    const sub = (lo: number, hi: number) => {
      return Float64Array.from([...d.subarray(lo, hi), ...d.subarray(m + lo, m + hi), ...d.subarray(2 * m + lo, 2 * m + hi)]);
    };
    const totals: Array<[number, number, number]> = [];
    // Pass 1 and 2 gather each thread's partials of the two sums (a thread stops at the call it cannot yet answer).
    for (let call = 0; call < 2; call++) {
      const sum: [number, number, number] = [0, 0, 0];
      for (const [lo, hi] of parts) {
        let k = 0;
        const gather: AllSum = (p) => {
          if (k < call) return totals[k++];
          p.forEach((v, i) => (sum[i] += v));
          throw new Error('stop');
        };
        expect(() => relativisticLogits(sub(lo, hi), hi - lo, m, gather, new Float32Array(3 * (hi - lo)), new Float32Array(2 * (hi - lo)))).toThrow('stop');
      }
      totals.push(sum);
    }
    let disc = 0;
    let gen = 0;
    const g = new Float32Array(3 * m);
    const gg = new Float32Array(2 * m);
    for (const [lo, hi] of parts) {
      const n = hi - lo;
      let k = 0;
      const gd = new Float32Array(3 * n);
      const gn = new Float32Array(2 * n);
      const t = relativisticLogits(sub(lo, hi), n, m, () => totals[k++], gd, gn);
      disc += t.disc;
      gen += t.gen;
      for (let i = 0; i < n; i++) {
        for (let f = 0; f < 3; f++) g[f * m + lo + i] = gd[f * n + i];
        for (let f = 0; f < 2; f++) gg[f * m + lo + i] = gn[f * n + i];
      }
    }
    expect(disc).toBeCloseTo(s.disc, 10);
    expect(gen).toBeCloseTo(s.gen, 10);
    expectClose(g, whole.g, 1e-6);
    expectClose(gg, whole.gg, 1e-6);
    // Each thread's own means instead (what summing the partials prevents): another gradient.
    const own = new Float32Array(3 * 2);
    relativisticLogits(sub(0, 2), 2, m, ownRows, own, new Float32Array(4));
    expect(Math.abs(own[0] - whole.g[0])).toBeGreaterThan(1e-3);
  });
});

/** tfjs's three gradients, concatenated in `trainableVariables` order. */
function tfjsFlat(b: ModelBundle, g: GanGradients): Float32Array {
  const all: tf.NamedTensorMap = Object.assign({}, g.grads.encoder, g.grads.decoder, g.grads.discriminator);
  return flatten(trainableVariables(b).map((v) => all[v.name]));
}

/**
 * The kernels' gradient of a batch of m over `threads` threads of `GanNet`, run as the workers'
 * collective would: the threads' partial sums gathered call by call (a thread stops at the sum it
 * cannot yet answer and is run again from its loaded rows), then every thread's full step.
 * `perThread`: each thread's own means instead (the bug the sums prevent). `noise`: per thread,
 * its rows' ε and z_p (default: each thread draws from `seeds[t]`).
 */
function kernelStep(b: ModelBundle, x: Float32Array, m: number, beta: number, seeds: number[], perThread = false, noise?: Array<{ eps: Float32Array; zp: Float32Array }>) {
  const threads = seeds.length;
  const spec = { config: b.config, inputDim: b.inputDim, numClasses: 10, output: b.output };
  const plan = planGan(spec, Math.ceil(m / threads), threads);
  const memory = createGanMemory(plan);
  const nets = seeds.map((_, t) => new GanNet(plan, memory, t));
  nets[0].reset(flatten(trainableVariables(b)));
  const share = (t: number): [number, number] => [Math.floor((m * t) / threads), Math.floor((m * (t + 1)) / threads)];
  nets.forEach((net, t) => {
    const [lo, hi] = share(t);
    net.load(x, hi - lo, (i) => lo + i, seeds[t]);
    if (noise) {
      net.loaded(hi - lo).eps.set(noise[t].eps);
      net.loaded(hi - lo).zp.set(noise[t].zp);
    }
  });
  const totals: Array<[number, number, number]> = [];
  if (!perThread) {
    for (let call = 0; call < 2; call++) {
      const sum: [number, number, number] = [0, 0, 0];
      nets.forEach((net, t) => {
        const [lo, hi] = share(t);
        let k = 0;
        const gather: AllSum = (p) => {
          if (k < call) return totals[k++];
          p.forEach((v, i) => (sum[i] += v));
          throw new Error('stop');
        };
        expect(() => net.gradient(hi - lo, m, beta, gather)).toThrow('stop');
      });
      totals.push(sum);
    }
  }
  const sums = { recon: 0, kl: 0, disc: 0, gen: 0, feature: 0 };
  nets.forEach((net, t) => {
    const [lo, hi] = share(t);
    let k = 0;
    const r = net.gradient(hi - lo, m, beta, perThread ? ownRows : () => totals[k++]);
    for (const key of Object.keys(sums) as Array<keyof typeof sums>) sums[key] += r[key];
  });
  const g = sumGanShares(nets, plan, b.config.l2, m);
  return { g, sums, nets, plan };
}

const CASES: Array<{ name: string; cfg: ModelConfigInput; D: number; m: number; output?: OutputKind }> = [
  { name: 'dense, γ 0.3, pixel weight 0.5', cfg: { hidden: [16, 8], gamma: 0.3, pixelWeight: 0.5 }, D: 12, m: 7 },
  { name: 'dense Gaussian, γ 0.5, pixel weight 2, L2', cfg: { hidden: [8], gamma: 0.5, pixelWeight: 2, likelihood: 'gaussian', sigma: 0.7, l2: 0.01 }, D: 6, m: 4, output: 'gaussian' },
  { name: 'conv 28×28, γ 0.3, features only', cfg: { arch: 'conv', convFilters: [3, 4], hidden: [8], gamma: 0.3, pixelWeight: 0 }, D: 784, m: 3 },
];

describe('the kernels against tfjs (relativistic)', () => {
  for (const c of CASES) {
    it(`${c.name}: the losses and the encoder's, decoder's and discriminator's gradients equal tfjs's autodiff`, () => {
      const output = c.output ?? 'bernoulli';
      const b = bundleOf(c.cfg, c.D, output);
      expect(b.config.ganLoss).toBe('relativistic');
      const x = rows(c.m, c.D, output, 11);
      const ref = vaeganGradients(b, x, 0.7, 42);
      const want = tfjsFlat(b, ref);
      const got = kernelStep(b, x, c.m, 0.7, [42]);
      expect(got.plan.relativistic).toBe(true);
      const close = (a: number, e: number) => expect(Math.abs(a - e)).toBeLessThan(1e-4 * Math.max(1, Math.abs(e)));
      close(got.sums.disc / c.m, ref.gan.disc);
      close(got.sums.gen / c.m, ref.gan.gen);
      close(got.sums.recon / c.m, ref.recon);
      close(got.sums.feature / c.m, ref.gan.feature);
      expectNetsClose(got.plan, got.g, want);
      // The standard loss's tfjs gradient of the discriminator is another one (the option reaches the step).
      const std = vaeganGradients(bundleOf({ ...c.cfg, ganLoss: 'standard' }, c.D, output), x, 0.7, 42);
      expect(Math.abs(std.gan.disc - ref.gan.disc)).toBeGreaterThan(1e-3);
      tf.dispose([...Object.values(ref.grads), ...Object.values(std.grads)].flatMap((g) => Object.values(g)));
      disposeBundle(b);
    });
  }

  it("two threads' shares add up to one thread's gradient of the whole batch; per-thread means do not", () => {
    const b = bundleOf({ hidden: [12], gamma: 0.4, pixelWeight: 1 }, 10);
    const m = 8;
    const L = 2;
    const x = rows(m, 10, 'bernoulli', 5);
    const one = kernelStep(b, x, m, 1, [3]);
    // The one-thread draw's noise, each half to its thread.
    const e1 = one.nets[0].loaded(m);
    const halves = [0, 1].map((t) => ({ eps: e1.eps.slice(t * (m / 2) * L, (t + 1) * (m / 2) * L), zp: e1.zp.slice(t * (m / 2) * L, (t + 1) * (m / 2) * L) }));
    const two = kernelStep(b, x, m, 1, [3, 4], false, halves);
    expectClose(two.g, one.g, 1e-5);
    expect(two.sums.disc).toBeCloseTo(one.sums.disc, 4);
    expect(two.sums.gen).toBeCloseTo(one.sums.gen, 4);
    const wrong = kernelStep(b, x, m, 1, [3, 4], true, halves);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < one.g.length; i++) {
      worst = Math.max(worst, Math.abs(wrong.g[i] - one.g[i]));
      scale = Math.max(scale, Math.abs(one.g[i]));
    }
    expect(worst / scale).toBeGreaterThan(1e-3);
    disposeBundle(b);
  });
});

describe('in training workers', () => {
  it("2 workers sum the batch's means across them: their first step's gradient is the in-process one", async () => {
    const D = 784;
    const m = 16;
    // Every row the same image, so the batch order does not matter, only each worker's noise.
    const img = rows(1, D, 'bernoulli', 21);
    const x = new Float32Array(m * D);
    for (let i = 0; i < m; i++) x.set(img, i * D);
    const spec = { config: ModelConfig.parse({ kind: 'vaegan', latentDim: 3, hidden: [16], ganLoss: 'relativistic' }), inputDim: D, numClasses: 10, output: 'bernoulli' as const };
    const cfg = TrainConfig.parse({ dataset: { id: 'mnist' }, model: spec.config, epochs: 1, batchSize: m, seed: 9 });
    const b = buildModel(spec, 2);
    const s0 = stepSeedOf(cfg.seed, 0);
    const want = kernelStep(b, x, m, cfg.model.beta, [workerSeed(s0, 0), workerSeed(s0, 1)]).g;
    const perThread = kernelStep(b, x, m, cfg.model.beta, [workerSeed(s0, 0), workerSeed(s0, 1)], true).g;
    const got: Float32Array[] = [];
    const r = await trainModelParallel(b, cfg, { train: { x, y: new Int32Array(m), count: m }, val: { x: x.slice(0, 4 * D), y: new Int32Array(4), count: 4 } }, {}, { workers: 2, onGradients: (_s, g) => void got.push(g) });
    expect(r.state).toBe('done');
    expect(got.length).toBe(1);
    expectClose(got[0], want, 1e-5);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(perThread[i] - want[i]));
    expect(worst).toBeGreaterThan(1e-4);
    disposeBundle(b);
  }, 120_000);
});

describe('CLI --gan-loss', () => {
  const cfgOf = (args: string[]) => trainConfig(parseCommandLine(args).options);
  it('reaches the model config on a VAE-GAN; refused on other kinds and for unknown losses; in the help', () => {
    expect(cfgOf(['--model', 'vaegan', '--gan-loss', 'relativistic']).model?.ganLoss).toBe('relativistic');
    expect(cfgOf(['--model', 'vaegan', '--gan-loss', 'standard']).model?.ganLoss).toBe('standard');
    // Left out: the contract's default for new runs fills it.
    const left = cfgOf(['--model', 'vaegan']);
    expect(left.model?.ganLoss).toBeUndefined();
    expect(TrainConfig.parse(left).model.ganLoss).toBe(VAEGAN_DEFAULTS.ganLoss);
    expect(TrainConfig.parse(cfgOf(['--model', 'vaegan', '--gan-loss', 'relativistic'])).model.ganLoss).toBe('relativistic');
    expect(() => cfgOf(['--model', 'vae', '--gan-loss', 'relativistic'])).toThrow('--gan-loss needs --model vaegan');
    expect(() => cfgOf(['--gan-loss', 'relativistic'])).toThrow('--gan-loss needs --model vaegan');
    expect(() => cfgOf(['--model', 'vaegan', '--gan-loss', 'ragan'])).toThrow('--gan-loss must be one of standard, relativistic, got ragan');
    expect(USAGE).toContain('--gan-loss standard|relativistic');
  });
});
