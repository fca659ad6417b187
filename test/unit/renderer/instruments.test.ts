/**
 * The exploration instruments' state against a fake engine, as a user meets them: dragging a
 * latent slider never has more than one decode in flight and ends on the last position; the
 * traversal grid puts the most informative dimension first and decodes once; collapse is called
 * out; denoising sends the noisy image; a stale neighbours answer is dropped; images in the cloud
 * follow the scatter's points; the data-space plot of toy data; the sprite atlas pages.
 */
import { describe, expect, it, vi } from 'vitest';
import type { RequestInput, RequestOutput } from '../../../src-shared/contract';
import { Coalescer } from '../../../src-renderer/src/lib/coalesce';
import { collapseReason } from '../../../src-shared/collapse';
import { addGaussianNoise } from '../../../src-renderer/src/lib/noise';
import { atlasLayout, pageTexels, writeTiles, tileSize } from '../../../src-renderer/src/lib/scatter/atlas';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { meanNearestDistance } from '../../../src-renderer/src/state/instruments/data-space.svelte';
import { placeApprox } from '../../../src-renderer/src/state/instruments/place';
import { codeReach, sliderRangeNote } from '../../../src-renderer/src/state/instruments/sliders.svelte';
import { centreText, traversalCaption, traversalOffsets } from '../../../src-renderer/src/state/instruments/traversal.svelte';
import { typicalityVerdict } from '../../../src-shared/typicality';
import { FakeApi, MNIST, batch, engineWith, run } from './fake-api';

const images = (count: number, D = 784) => ({ images: new Float32Array(count * D).fill(0.5), count, shape: [28, 28] });

/** A scheduler the test drives: `flush()` runs what was scheduled for "the next frame". */
function frames() {
  let queue: Array<() => void> = [];
  return {
    schedule: (cb: () => void) => void queue.push(cb),
    flush() {
      const q = queue;
      queue = [];
      q.forEach((cb) => cb());
      return q.length;
    },
  };
}

/** A promise the test resolves. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

async function openLab(opts: { kind?: 'ae' | 'vae' | 'cvae'; dim?: number } = {}, api = engineWith([run('r', opts)])) {
  const lab = new Lab(api, null);
  await lab.engine.refresh();
  await lab.openRun('r');
  return { api, lab };
}

describe('Coalescer', () => {
  it('one request in flight, one started per frame, the newest value wins; an idle push starts at once', async () => {
    const f = frames();
    const started: number[] = [];
    const gates: Array<ReturnType<typeof deferred<void>>> = [];
    const c = new Coalescer<number>((v) => {
      started.push(v);
      const g = deferred<void>();
      gates.push(g);
      return g.promise;
    }, f.schedule);
    c.push(1);
    expect(started).toEqual([1]); // idle: at once
    for (let v = 2; v <= 10; v++) c.push(v);
    f.flush(); // a new frame, but one is still in flight
    expect(started).toEqual([1]);
    gates[0].resolve();
    await tick();
    expect(started).toEqual([1, 10]); // the newest, as soon as the first answered
    gates[1].resolve();
    await tick();
    // A quick answer: the next push waits for the next frame.
    c.push(11);
    expect(started).toEqual([1, 10]);
    f.flush();
    expect(started).toEqual([1, 10, 11]);
    gates[2].resolve();
    await c.settled();
    expect(c.busy).toBe(false);
    expect(c.started).toBe(3);
  });

  it('a failed request does not stop the next one', async () => {
    const f = frames();
    const seen: number[] = [];
    const c = new Coalescer<number>(async (v) => {
      seen.push(v);
      if (v === 1) throw new Error('boom');
    }, f.schedule);
    c.push(1);
    await tick();
    c.push(2);
    f.flush();
    await c.settled();
    expect(seen).toEqual([1, 2]);
  });
});

describe('latent sliders', () => {
  it('dragging a slider: at most one decode in flight, ending on the last position; the probe follows', async () => {
    const f = frames();
    const gates: Array<ReturnType<typeof deferred<void>>> = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const api = engineWith([run('r', { dim: 2 })]).handle('model:decode', async ({ count }) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const g = deferred<void>();
      gates.push(g);
      await g.promise;
      inFlight--;
      return images(count);
    });
    const { lab } = await openLab({ dim: 2 }, api);
    // Rebuild the instruments with the test's frames.
    const { SliderState } = await import('../../../src-renderer/src/state/instruments/sliders.svelte');
    const sl = new SliderState(lab, api, f.schedule);
    sl.startFromPoint(3);
    expect(Array.from(sl.z!)).toEqual(Array.from(lab.scatter.latentOf(3)));
    expect(sl.originText).toBe('test #3');
    for (let k = 1; k <= 30; k++) {
      sl.set(0, k / 10);
      f.flush();
    }
    // Still only the first decode in flight.
    expect(api.callsOf('model:decode')).toHaveLength(1);
    gates.shift()!.resolve();
    await tick();
    expect(api.callsOf('model:decode')).toHaveLength(2);
    expect(api.callsOf('model:decode')[1].z[0]).toBeCloseTo(3, 5);
    gates.shift()!.resolve();
    await sl.settled();
    expect(maxInFlight).toBe(1);
    expect(sl.image!.z[0]).toBeCloseTo(3, 5);
    expect(sl.decodes).toBe(2);
    // A 2-D latent: the probe sits exactly where the point is in display space.
    const at = lab.scatter.placeLatent(sl.z!)!;
    expect(sl.probe).toEqual(at);
  });

  it('values are clamped to the slider range; a CVAE decodes as the point’s label, then the picked one', async () => {
    const api = engineWith([run('r', { kind: 'cvae', dim: 2 })]).handle('model:decode', ({ count }) => images(count));
    const { lab } = await openLab({ kind: 'cvae', dim: 2 }, api);
    const f = frames();
    const { SliderState } = await import('../../../src-renderer/src/state/instruments/sliders.svelte');
    const sl = new SliderState(lab, api, f.schedule);
    sl.startFromPoint(7); // label 7
    f.flush();
    await sl.settled();
    expect(api.callsOf('model:decode').at(-1)!.labels).toEqual(Int32Array.of(7));
    sl.set(1, 1e6);
    expect(sl.z![1]).toBe(sl.ranges[1][1]);
    sl.setLabel(2);
    f.flush();
    await sl.settled();
    expect(api.callsOf('model:decode').at(-1)!.labels).toEqual(Int32Array.of(2));
  });

  it('the prior mean is 0 for a VAE; an AE starts at its test latents’ mean with ±4σ ranges', async () => {
    const { lab } = await openLab({ kind: 'vae', dim: 3 });
    lab.instruments.sliders.startFromPrior();
    expect(Array.from(lab.instruments.sliders.z!)).toEqual([0, 0, 0]);
    // Around 0, at least ±4 prior σ (wider where the fake run's codes reach further: see the next test).
    for (const [lo, hi] of lab.instruments.sliders.ranges) {
      expect(lo).toBe(-hi);
      expect(hi).toBeGreaterThanOrEqual(4);
    }

    const api = engineWith([run('r', { kind: 'ae', dim: 2 })]).handle('model:dimStats', () => ({
      dim: 2,
      count: 20,
      klPerDim: null,
      mean: [1, -2],
      variance: [4, 0.25],
      activeUnits: 2,
    }));
    const ae = (await openLab({ kind: 'ae', dim: 2 }, api)).lab;
    await ae.instruments.dims.load();
    ae.instruments.sliders.startFromPrior();
    expect(Array.from(ae.instruments.sliders.z!)).toEqual([1, -2]);
    expect(ae.instruments.sliders.ranges).toEqual([
      [1 - 8, 1 + 8],
      [-2 - 2, -2 + 2],
    ]);
  });

  it('a VAE’s slider reaches its run’s test codes: z0 codes out to −5.5 give ±5.5 (z1’s, within ±4, keep ±4), said in σ of the prior', async () => {
    // 200 test codes: z0 spread over [−5.5, 2], z1 over [−1, 1] (a tester's run reached z0 ≈ −5.5 with sliders stuck at ±4).
    const codes = (count: number) => {
      const b = batch(count, 2);
      for (let i = 0; i < count; i++) {
        b.latents[i * 2] = -5.5 + (7.5 * i) / (count - 1);
        b.latents[i * 2 + 1] = -1 + (2 * i) / (count - 1);
      }
      return b;
    };
    const api = engineWith([run('r', { kind: 'vae', dim: 2 })]).handle('model:latents', () => codes(200));
    const { lab } = await openLab({ kind: 'vae', dim: 2 }, api);
    const sl = lab.instruments.sliders;
    sl.startFromPrior();
    await vi.waitFor(() => expect(lab.scatter.count).toBe(200));
    expect(sl.ranges).toEqual([
      [-5.5, 5.5],
      [-4, 4],
    ]);
    sl.set(0, -5.4);
    expect(sl.z![0]).toBeCloseTo(-5.4, 5); // was clamped to −4
    expect(sl.rangeNote).toBe("Ranges in σ of the prior: ±4; z0 ±5.5 to reach 99 % of the run's test codes.");
    // Started beyond them (an encoded image at z1 = −6.37): widened to the next half σ, so 0.01 steps reach 2.00.
    lab.encode.result = { mean: Float32Array.of(0.5, -6.37) } as RequestOutput<'model:encodeFile'>;
    sl.startFromImage();
    expect(sl.ranges[1]).toEqual([-6.5, 4]);
  });

  it('codes’ reach: the 99th percentile of |z| per dimension; the range note of many wide dimensions, and of an AE', () => {
    const z = new Float32Array(200 * 2);
    for (let i = 0; i < 200; i++) {
      z[i * 2] = i === 0 ? -50 : i / 100; // one far outlier does not stretch the range
      z[i * 2 + 1] = Number.NaN;
    }
    const [r0, r1] = codeReach(z, 200, 2);
    expect(r0).toBeCloseTo(1.98, 5);
    expect(r1).toBe(0);
    const wide = Array.from({ length: 6 }, (_, k): [number, number] => [-4 - k, 4 + k]);
    expect(sliderRangeNote('cvae', wide)).toBe("Ranges in σ of the prior: ±4; up to ±9 on 5 dimensions to reach 99 % of the run's test codes.");
    expect(sliderRangeNote('ae', wide)).toBe("Ranges: the test latents' mean ± 4 of each dimension's σ.");
  });

  it('the caption says "At z = 0, the prior mean" only while every slider is at 0', async () => {
    const { lab } = await openLab({ kind: 'vae', dim: 3 });
    const sl = lab.instruments.sliders;
    sl.startFromPrior();
    expect(sl.caption).toBe('At z = 0, the prior mean');
    sl.set(0, 2.66);
    expect(sl.caption).toBe('Moved from z = 0, the prior mean');
    // The traversal's caption around the moved point: no brackets inside brackets.
    expect(centreText(sl.originText, sl.moved)).toBe("the sliders' point, moved from z = 0, the prior mean");
    sl.set(0, 0);
    expect(sl.caption).toBe('At z = 0, the prior mean');
    sl.startFromPoint(3);
    sl.set(1, 1);
    expect(sl.caption).toBe('Moved from test #3');
  });

  it('starts from the encoded image, and says when there is none', async () => {
    const { lab } = await openLab({ dim: 2 });
    expect(lab.instruments.sliders.startFromImage()).toBe(false);
    lab.encode.name = 'seven.png';
    lab.encode.result = { mean: Float32Array.of(0.5, -1) } as RequestOutput<'model:encodeFile'>;
    expect(lab.instruments.sliders.startFromImage()).toBe(true);
    expect(Array.from(lab.instruments.sliders.z!)).toEqual([0.5, -1]);
    expect(lab.instruments.sliders.originText).toBe('“seven.png”');
  });
});

describe('per-dimension KL, collapse and the traversal grid', () => {
  const stats = (klPerDim: number[] | null, activeUnits = klPerDim ? klPerDim.filter((v) => v > 0.05).length : 3): RequestOutput<'model:dimStats'> => ({
    dim: 3,
    count: 20,
    klPerDim,
    mean: [0, 0, 0],
    variance: (klPerDim ?? [0.5, 2, 1]).map((v) => v + 0.001),
    activeUnits,
  });

  it('collapse: no active unit, or total KL under 0.1 nats; never for an AE', () => {
    expect(collapseReason('vae', { kl: 0.05, activeUnits: 1 })).toMatch(/total KL 0.050 nats, under 0.1/);
    expect(collapseReason('cvae', { kl: 3, activeUnits: 0 })).toMatch(/no active latent unit/);
    expect(collapseReason('vae', { kl: 3, activeUnits: 2 })).toBeNull();
    expect(collapseReason('ae', { kl: 0, activeUnits: 0 })).toBeNull();
    expect(collapseReason('vae', null)).toBeNull();
  });

  it('a collapsed run is flagged from its statistics; a healthy one is not', async () => {
    const api = engineWith([run('r', { dim: 3 })]).handle('model:dimStats', () => stats([0.01, 0.02, 0.03], 0));
    const { lab } = await openLab({ dim: 3 }, api);
    await lab.instruments.dims.load();
    expect(lab.instruments.dims.totalKl).toBeCloseTo(0.06, 6);
    expect(lab.instruments.dims.collapse).toMatch(/no active latent unit/);
    api.handle('model:dimStats', () => stats([2, 0.5, 4]));
    lab.instruments.dims.reset();
    await lab.instruments.dims.load();
    expect(lab.instruments.dims.collapse).toBeNull();
    // Loaded once per run.
    await lab.instruments.dims.load();
    expect(api.callsOf('model:dimStats')).toHaveLength(2);
  });

  it('rows are the dimensions by KL, most first; one decode of rows × cols points varying one dimension each', async () => {
    const api = engineWith([run('r', { dim: 3 })])
      .handle('model:dimStats', () => stats([0.5, 3.2, 1.1]))
      .handle('model:decode', ({ count }) => images(count));
    const { lab } = await openLab({ dim: 3 }, api);
    const tr = lab.instruments.traversal;
    tr.k = 2;
    tr.cols = 5;
    await tr.draw();
    const g = tr.grid!;
    expect(g.rows.map((r) => r.dim)).toEqual([1, 2, 0]);
    expect(g.rows[0].kl).toBeCloseTo(3.2);
    expect(g.offsets).toEqual([-2, -1, 0, 1, 2]);
    // One batch for the grid (the sliders, started at the prior mean, decode their own point).
    const calls = api.callsOf('model:decode').filter((c) => c.count > 1);
    expect(calls).toHaveLength(1);
    expect(calls[0].count).toBe(15);
    const z = calls[0].z;
    // Row 0 varies z1 from −2 to +2 around the prior mean (0); the others stay at 0.
    expect(Array.from(z.subarray(0, 15))).toEqual([0, -2, 0, 0, -1, 0, 0, 0, 0, 0, 1, 0, 0, 2, 0]);
    tr.maxRows = 1;
    await tr.draw();
    expect(tr.grid!.rows).toHaveLength(1);
  });

  it('an AE traverses in each dimension’s own σ, ranked by spread', async () => {
    const api = engineWith([run('r', { kind: 'ae', dim: 3 })])
      .handle('model:dimStats', () => stats(null))
      .handle('model:decode', ({ count }) => images(count));
    const { lab } = await openLab({ kind: 'ae', dim: 3 }, api);
    const tr = lab.instruments.traversal;
    tr.k = 1;
    tr.cols = 3;
    await tr.draw();
    expect(tr.grid!.rows.map((r) => r.dim)).toEqual([1, 2, 0]);
    const z = api.callsOf('model:decode').find((c) => c.count === 9)!.z;
    const sd1 = Math.sqrt(2.001);
    expect(z[1]).toBeCloseTo(-sd1, 5); // first column of the z1 row
    expect(z[3 * 2 + 1]).toBeCloseTo(sd1, 5);
  });

  it('a CVAE’s traversal caption names the label it was decoded as (the sliders’ “decode as”); a VAE’s names none', async () => {
    const api = engineWith([run('r', { kind: 'cvae', dim: 3 })])
      .handle('model:dimStats', () => stats([0.5, 3.2, 1.1]))
      .handle('model:decode', ({ count }) => images(count));
    const { lab } = await openLab({ kind: 'cvae', dim: 3 }, api);
    lab.instruments.sliders.startFromPrior();
    lab.instruments.sliders.setLabel(7);
    await lab.instruments.traversal.draw();
    const g = lab.instruments.traversal.grid!;
    expect(g.label).toBe(7);
    expect(api.callsOf('model:decode').find((c) => c.count > 1)!.labels).toEqual(new Int32Array(3 * 7).fill(7));
    expect(traversalCaption(g, 'cvae', ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven'])).toBe('Around z = 0, the prior mean; steps in prior σ; decoded as “seven”.');
    expect(traversalCaption({ centreText: 'test #3', label: null }, 'vae', [])).toBe('Around test #3; steps in prior σ.');
    expect(traversalCaption({ centreText: 'test #3', label: null }, 'ae', [])).toBe('Around test #3; steps in each dimension’s σ.');
  });

  it('column offsets run evenly from −k to +k', () => {
    expect(traversalOffsets(3, 7)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
  });
});

describe('denoising', () => {
  it('the noise is seeded and clipped to [0, 1]', () => {
    const x = new Float32Array(500).fill(0.5);
    const a = addGaussianNoise(x, 0.4, 7);
    expect(addGaussianNoise(x, 0.4, 7)).toEqual(a);
    expect(addGaussianNoise(x, 0.4, 8)).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThanOrEqual(1);
    expect(addGaussianNoise(x, 0, 1)).toEqual(x);
  });

  it('a test image, its noisy version and the reconstruction of the noisy input (a CVAE under the image’s label)', async () => {
    const clean = new Float32Array(784).map((_, i) => (i % 7 === 0 ? 1 : 0));
    const api = engineWith([run('r', { kind: 'cvae', dim: 2 })])
      .handle('datasets:sample', ({ offset, count }) => ({
        images: new Float32Array(count * 784).map((_, i) => clean[i % 784]),
        labels: Int32Array.from({ length: count }, (_, i) => (offset + i) % 10),
        count,
        shape: [28, 28],
      }))
      .handle('model:encode', () => ({ mean: Float32Array.of(0.1, 0.2), logVar: null, dim: 2, count: 1 }))
      .handle('model:decode', () => ({ images: clean.slice(), count: 1, shape: [28, 28] }));
    const { lab } = await openLab({ kind: 'cvae', dim: 2 }, api);
    const f = frames();
    const { DenoiseState } = await import('../../../src-renderer/src/state/instruments/denoise.svelte');
    const dn = new DenoiseState(lab, api, f.schedule);
    dn.update(13, 0.5);
    f.flush();
    await dn.settled();
    const v = dn.view!;
    expect(v.index).toBe(13);
    expect(v.label).toBe(3);
    const sent = api.callsOf('model:encode')[0] as RequestInput<'model:encode'>;
    expect(sent.images).toEqual(v.noisy);
    expect(sent.labels).toEqual(Int32Array.of(3));
    expect(v.noisyMse).toBeGreaterThan(0.05);
    expect(v.reconMse).toBe(0);
    dn.update(-1);
    expect(dn.error).toMatch(/Pick a test image from 0 to 1999/);
  });
});

describe('typicality and neighbours', () => {
  /** A typicality answer as the engine gives it: test scores 100…300, rates 2…20 nats. */
  const answer = (over: Partial<RequestOutput<'model:typicality'>> = {}): RequestOutput<'model:typicality'> => ({
    score: 180,
    measure: 'negElbo',
    percentile: 40,
    rate: 6,
    ratePercentile: 45,
    band: 98,
    outside: [],
    label: -1,
    testCount: 2000,
    testQuantiles: Float32Array.from({ length: 101 }, (_, p) => 100 + 2 * p),
    rateQuantiles: Float32Array.from({ length: 101 }, (_, p) => 2 + 0.18 * p),
    ...over,
  });

  it('the engine’s verdict is shown: flagged or not, and why in words', async () => {
    const answers: Record<string, RequestOutput<'model:typicality'>> = {
      digit: answer(),
      noise: answer({ score: 420, percentile: 100, outside: [{ statistic: 'score', tail: 'high', value: 420, percentile: 100, bound: 299 }] }),
      blank: answer({ score: 60, percentile: 0, outside: [{ statistic: 'score', tail: 'low', value: 60, percentile: 0, bound: 101 }] }),
      photo: answer({ rate: 0.8, ratePercentile: 0, outside: [{ statistic: 'rate', tail: 'low', value: 0.8, percentile: 0, bound: 2.1 }] }),
    };
    const inputs = Object.fromEntries(Object.keys(answers).map((k, i) => [k, Float32Array.of(i)]));
    const api = new FakeApi().handle('model:typicality', ({ input }) => answers[Object.keys(answers)[input[0]]]);
    const ty = new Lab(api, null).instruments.typicality;

    await ty.check(inputs.digit);
    expect(ty.flagged).toBe(false);
    expect(ty.verdict!.code).toBe('typical');
    expect(ty.verdict!.text).toContain('worse than 40.0 % of the 2,000 test images');

    await ty.check(inputs.noise);
    expect(ty.flagged).toBe(true);
    expect(ty.verdict!.code).toBe('score-high');
    expect(ty.verdict!.text).toContain('worse than every one of the 2,000 test images');
    expect(ty.verdict!.text).toContain('above the test images’ 99th percentile, 299.0 nats');

    await ty.check(inputs.blank);
    expect(ty.verdict!.code).toBe('score-low');
    expect(ty.verdict!.text).toContain('far better than any of the 2,000 test images');
    expect(ty.verdict!.text).toContain('simpler than the test images');
    expect(ty.verdict!.text).toContain('blank or very plain image');
    // A training image can score this well (its nearest training image at distance 0): no claim it was not trained on.
    expect(ty.verdict!.text).not.toMatch(/not trained on/);

    await ty.check(inputs.photo);
    expect(ty.flagged).toBe(true);
    expect(ty.verdict!.code).toBe('rate-low');
    expect(ty.verdict!.text).toContain('finds almost nothing in it to encode');
    expect(ty.verdict!.text).toContain('lower than every test image’s');
  });

  it('an AE’s verdict names the reconstruction error and has no KL', async () => {
    const api = new FakeApi().handle('model:typicality', () =>
      answer({ measure: 'recon', rate: null, ratePercentile: null, rateQuantiles: null, score: 90, percentile: 0.3, outside: [{ statistic: 'score', tail: 'low', value: 90, percentile: 0.3, bound: 101 }] }),
    );
    const ty = new Lab(api, null).instruments.typicality;
    await ty.check(Float32Array.of(1));
    expect(ty.verdict!.text).toContain('better than 99.7 % of the 2,000 test images (reconstruction error 90.0 nats');
    // Typical for an AE: its one statistic cannot see a faint or blank image, and it says so.
    const typical = typicalityVerdict(answer({ measure: 'recon', rate: null, ratePercentile: null, rateQuantiles: null }));
    expect(typical.flagged).toBe(false);
    expect(typical.text).toContain('judged by its reconstruction error alone');
    expect(typicalityVerdict(answer()).text).not.toContain('reconstruction error alone');
    // …but not where it reconstructs badly: the caveat is about reconstructing too well.
    expect(typicalityVerdict(answer({ measure: 'recon', rate: null, ratePercentile: null, rateQuantiles: null, percentile: 95 })).text).not.toContain('reconstruction error alone');
    // The low tail's bound is an ordinal in words.
    expect(ty.verdict!.text).toContain('below the test images’ 1st percentile, 101.0 nats');
    ty.reset();
    expect(ty.verdict).toBeNull();
    expect(ty.flagged).toBe(false);
  });

  it('a stale neighbours answer (an earlier selection) is dropped', async () => {
    const gates: Array<ReturnType<typeof deferred<void>>> = [];
    const api = engineWith([run('r', { dim: 2 })]).handle('model:neighbors', async ({ z }) => {
      const g = deferred<void>();
      gates.push(g);
      await g.promise;
      return { indices: Int32Array.of(Math.round(z[0])), labels: Int32Array.of(1), distances: Float32Array.of(0.1), images: new Float32Array(784), shape: [28, 28] };
    });
    const { lab } = await openLab({ dim: 2 }, api);
    const nb = lab.instruments.neighbours;
    const first = nb.show(5);
    const second = nb.show(9);
    gates[1].resolve();
    await second;
    gates[0].resolve();
    await first;
    expect(nb.point!.index).toBe(9);
    expect(nb.result!.indices[0]).toBe(9);
  });
});

describe('images in the cloud', () => {
  it('tiles follow the scatter’s points (test and training), one request per 10,000-image chunk', async () => {
    const api = engineWith([run('r', { dim: 2 })]).handle('datasets:sample', ({ split, offset, count }) => {
      const n = Math.min(count, split === 'test' ? 20 : 30);
      // Image i of a split is filled with (i + 1) / 100 (train: + 0.5).
      const images = new Float32Array(n * 784);
      for (let i = 0; i < n; i++) images.fill((offset + i + 1) / 100 + (split === 'train' ? 0.5 : 0), i * 784, (i + 1) * 784);
      return { images, labels: new Int32Array(n), count: n, shape: [28, 28] };
    });
    const { lab } = await openLab({ dim: 2 }, api);
    lab.settings.showTrainPoints = true;
    await lab.loadLatents('r');
    const cloud = lab.instruments.cloud;
    await cloud.setEnabled(true);
    const t = cloud.tiles!;
    expect(t.count).toBe(50);
    expect([t.width, t.height, t.channels]).toEqual([28, 28, 1]);
    expect(cloud.version).toBe(lab.scatter.version);
    // Point 3 is test #3, point 25 is train #5.
    expect(t.pixels[3 * 784]).toBe(Math.round(0.04 * 255));
    expect(t.pixels[25 * 784]).toBe(Math.round(0.56 * 255));
    expect(api.callsOf('datasets:sample').map((c) => `${c.split}:${c.offset}:${c.count}`).sort()).toEqual(['test:0:10000', 'train:0:10000']);
    // A new scatter of the same points gathers again without fetching.
    await lab.loadLatents('r');
    await cloud.sync();
    expect(cloud.version).toBe(lab.scatter.version);
    expect(api.callsOf('datasets:sample')).toHaveLength(2);
  });

  it('2-D toy data has no images to draw, and says so', async () => {
    const toy = { ...MNIST, id: 'toy-moons' as const, shape: [2], isImage: false, testCount: 1000 };
    const api = engineWith([run('r', { dim: 2 })]).handle('datasets:list', () => [toy, MNIST]);
    const r = run('r', { dim: 2 });
    r.config.dataset = { id: 'toy-moons' };
    api.handle('runs:list', () => [r]).handle('runs:open', () => r);
    const { lab } = await openLab({ dim: 2 }, api);
    await lab.instruments.cloud.setEnabled(true);
    expect(lab.instruments.cloud.tiles).toBeNull();
    expect(lab.instruments.cloud.error).toMatch(/for image datasets/);
  });
});

describe('sprite atlas', () => {
  it('64×64 colour images become 32×32 tiles, each texel the mean of 2×2 pixels', () => {
    expect(tileSize(64, 64)).toEqual({ factor: 2, height: 32, width: 32 });
    expect(tileSize(28, 28)).toEqual({ factor: 1, height: 28, width: 28 });
    const img = new Float32Array(64 * 64 * 3);
    // Pixel (0,0) red 1, (0,1) red 0, (1,0) red 1, (1,1) red 0 → texel (0,0) red 0.5; green everywhere 1.
    for (let p = 0; p < 64 * 64; p++) img[p * 3 + 1] = 1;
    img[0] = 1;
    img[64 * 3] = 1;
    const out = new Uint8Array(32 * 32 * 3);
    writeTiles(img, { h: 64, w: 64, c: 3 }, 0, 1, out, 0);
    expect(Array.from(out.subarray(0, 3))).toEqual([128, 255, 0]);
  });

  it('70,000 MNIST tiles need 14 pages of 2048² texels; tile t sits at its row and column', () => {
    const l = atlasLayout(70_000, 28, 28);
    expect(l.cols).toBe(73);
    expect(l.perPage).toBe(73 * 73);
    expect(l.pages).toBe(14);
    const small = atlasLayout(5, 2, 2, 4); // 2 × 2 tiles per 4×4 page
    expect(small).toMatchObject({ cols: 2, perPage: 4, pages: 2, pageWidth: 4, pageHeight: 4 });
    const tiles = { count: 5, width: 2, height: 2, channels: 3 as const, pixels: new Uint8Array(5 * 12) };
    for (let t = 0; t < 5; t++) tiles.pixels.fill(t * 10 + 1, t * 12, t * 12 + 12);
    const page1 = pageTexels(tiles, small, 1);
    expect(page1).toHaveLength(4 * 4 * 4);
    expect(Array.from(page1.subarray(0, 4))).toEqual([41, 41, 41, 255]); // tile 4 first on page 1
    const page0 = pageTexels(tiles, small, 0);
    // Tile 3: column 1, row 1 → texel (2, 2).
    expect(page0[(2 * 4 + 2) * 4]).toBe(31);
  });
});

describe('toy data in data space', () => {
  it('inputs, reconstructions and prior samples; a click encodes the point and marks it in the scatter', async () => {
    const toy = { ...MNIST, id: 'toy-moons' as const, shape: [2], isImage: false, testCount: 4, labelNames: ['a', 'b'] };
    const r = run('r', { dim: 2 });
    r.config.dataset = { id: 'toy-moons' };
    const api = engineWith([r])
      .handle('datasets:list', () => [toy])
      .handle('model:reconstruct', ({ count }) => ({
        originals: Float32Array.of(0, 0, 1, 0, 0, 1, 1, 1).slice(0, count * 2),
        reconstructions: Float32Array.of(0, 0.5, 1, 0, 0, 1, 1, 1).slice(0, count * 2),
        labels: Int32Array.of(0, 1, 0, 1).slice(0, count),
        indices: Int32Array.of(0, 1, 2, 3).slice(0, count),
        errors: new Float32Array(count),
        count,
        shape: [2],
      }))
      .handle('model:generate', ({ count }) => ({ images: new Float32Array(count * 2), count, shape: [2], labels: new Int32Array(count), z: new Float32Array(count * 2) }))
      .handle('model:encode', ({ images }) => ({ mean: Float32Array.of(images[0] * 2, images[1] * 2), logVar: null, dim: 2, count: 1 }));
    const { lab } = await openLab({ dim: 2 }, api);
    const ds = lab.instruments.dataSpace;
    await ds.load();
    expect(api.callsOf('model:reconstruct')[0]).toMatchObject({ split: 'test', offset: 0, count: 4 });
    expect(ds.data!.count).toBe(4);
    expect(ds.data!.meanError).toBeCloseTo(0.125);
    expect(ds.data!.prior).toHaveLength(600);
    await ds.encodeAt([0.5, -0.25]);
    expect(Array.from(ds.encoded!.z)).toEqual([1, -0.5]);
    const marker = lab.scatter.extra.find((m) => m.kind === 'encoded')!;
    expect(marker.pos).toEqual(lab.scatter.placeLatent(Float32Array.of(1, -0.5)));

    // Samples from the prior until "Sample from" says the fitted mixture: then only they are drawn again (same seed).
    expect(ds.data!.samplesFrom).toBe('standard');
    expect(api.callsOf('model:generate')[0]).toMatchObject({ prior: 'standard', seed: 1 });
    await ds.setPrior('fitted');
    expect(lab.settings.samplePrior).toBe('fitted');
    expect(api.callsOf('model:generate')[1]).toMatchObject({ prior: 'fitted', seed: 1 });
    expect(api.callsOf('model:reconstruct')).toHaveLength(1);
    expect(ds.data!.samplesFrom).toBe('fitted');
    expect(ds.data!.count).toBe(4);
    await ds.load(); // nothing changed: nothing drawn
    expect(api.callsOf('model:generate')).toHaveLength(2);
  });
});

describe('how far samples land from the data', () => {
  it('the mean distance to the nearest input: 0 on the data, more off it; non-finite samples are left out', () => {
    const inputs = Float32Array.of(0, 0, 1, 0);
    expect(meanNearestDistance(Float32Array.of(0, 0, 1, 0), inputs)).toBe(0);
    expect(meanNearestDistance(Float32Array.of(0, 3, 1, -1), inputs)).toBeCloseTo(2);
    expect(meanNearestDistance(Float32Array.of(NaN, 0, 1, 1), inputs)).toBeCloseTo(1);
    expect(meanNearestDistance(new Float32Array(0), inputs)).toBeNaN();
  });
});

describe('placing a latent above 3-D', () => {
  it('exactly on a shown point, else between its nearest points', async () => {
    const api = new FakeApi().handle('projection:compute', ({ latents, dim }) => {
      const n = latents.length / dim;
      const points = new Float32Array(n * 3);
      for (let i = 0; i < n; i++) points.set([latents[i * dim], latents[i * dim + 1], 0], i * 3);
      return { points, method: 'pca' as const };
    });
    const lab = new Lab(api, null);
    await lab.scatter.setBatch(batch(20, 5), { runId: 'r', live: false });
    const sc = lab.scatter;
    expect(placeApprox(sc, sc.latentOf(4))).toEqual(sc.positionOf(4));
    const mid = sc.latentOf(4).map((v, k) => (v + sc.latentOf(5)[k]) / 2);
    const p = placeApprox(sc, mid)!;
    const [a, b] = [sc.positionOf(4), sc.positionOf(5)];
    expect(p[0]).toBeGreaterThan(Math.min(a[0], b[0]));
    expect(p[0]).toBeLessThan(Math.max(a[0], b[0]));
  });
});
