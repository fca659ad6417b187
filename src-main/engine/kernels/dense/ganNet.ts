/**
 * One training step of a VAE-GAN (Larsen et al. 2016; models/vaegan.ts defines the losses, and
 * this is its `vaeganGradients` written out) on our WebAssembly SIMD kernels (./dense.c,
 * ./gemm.c, ./conv.c), in the shared memory ./ganPlan.ts lays out. One thread's view; threads
 * take rows of the batch and their gradient shares add up, as for the VAE (./denseNet.ts).
 *
 * Forward: encoder → z (reparameterised) → the decoder on [z; z_p] at once → x̃, x_p (the
 * output activation) → the discriminator on [x; x̃; x_p] at once → Dis_l and the logit d.
 * Losses (sums over this thread's rows of per-sample values; the gradients are of batch means):
 *   disc = softplus(−d_x) + softplus(d_x̃) + softplus(d_xp);  gen = softplus(−d_x̃) + softplus(−d_xp)
 *   (the relativistic average loss, `plan.relativistic`: `relativisticLogits`, whose batch means
 *   of the logits and of two sigmoid sums are over the WHOLE batch: the threads add their partial
 *   sums through the `AllSum` callback the worker gives, ../../parallel/worker.ts)
 *   feature = ½‖Dis_l(x̃) − Dis_l(x)‖²;  pixel = the VAE's likelihood;  llike = feature + w·pixel
 * Backward:
 *   1. the discriminator's weights from `disc` (3m rows);
 *   2. input gradients through the discriminator (its weights untouched): of γ·feature + gen at
 *      [x̃; x_p], and of feature alone at x̃ — the decoder's and the encoder's weightings of llike;
 *   3. the decoder's weights on [z; z_p] from γ·llike + gen;
 *   4. the gradient at z of llike alone (input gradients through the decoder), then the
 *      sampling step (+ β·KL) and the encoder's weights.
 * The weights and their optimisers — the three Adam groups, then the encoder's and decoder's weight
 * average θ̄ (config `emaDecay`; `average`), and the model's weights (`getFlat`: θ̄ for those two
 * networks, the raw discriminator) — are ./ganWeights.ts's `GanWeights`, which `GanNet` extends.
 * No tfjs, Electron or DOM imports.
 */
import { gaussian, mulberry32 } from '../../datasets/random';
import { copyRowF32, type RowValues } from '../../datasets/rows';
import { gaussianConstant } from '../../models/likelihood';
import { convBackward, convForward, type ConvBuffers } from './convOps';
import type { LayerPlan } from './densePlan';
import { GanWeights } from './ganWeights';

/** Sums over a thread's rows (nats) of the per-sample terms. */
export interface GanTerms {
  /** The pixel likelihood −log p(x | x̃) (the VAE's recon). */
  recon: number;
  kl: number;
  disc: number;
  gen: number;
  feature: number;
}

const softplus = (t: number) => Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)));
const sigmoid = (t: number) => 1 / (1 + Math.exp(-t));

/**
 * Three partial sums of this thread's rows → the same three summed over every thread of the
 * batch, in the same order on every thread (so all get the same values). A collective: every
 * thread of the step calls it equally often. The default, `ownRows`, is for one thread that holds
 * the whole batch.
 */
export type AllSum = (partials: [number, number, number]) => [number, number, number];
export const ownRows: AllSum = (p) => p;

/**
 * The relativistic average GAN loss (RaSGAN, Jolicoeur-Martineau 2018; src-shared/vaegan.ts
 * GAN_LOSSES) on one thread's logits `d` = [d_x (rows); d_x̃ (rows); d_xp (rows)] of a batch of
 * `m` rows. With R, A, B the whole batch's means of d_x, d_x̃, d_xp (from `allSum`), sp =
 * softplus, σ = sigmoid, it returns this thread's sums
 *   disc = ½ Σ_i [sp(A − r_i) + sp(a_i − R) + sp(B − r_i) + sp(b_i − R)]
 *   gen  =   Σ_i [sp(R − a_i) + sp(r_i − A) + sp(R − b_i) + sp(r_i − B)]
 * (nats; their batch means are the totals / m; chance 2·ln 2 and 4·ln 2) and writes the gradients
 * of the batch means at this thread's logits: `gDisc` (3·rows) of disc's,
 *   ∂/∂r_j = (½/m)(−σ(A − r_j) − σ(B − r_j) − (Σ_i σ(a_i − R) + Σ_i σ(b_i − R))/m)
 *   ∂/∂a_j = (½/m)(Σ_i σ(A − r_i)/m + σ(a_j − R))      (b_j: B, likewise)
 * and `gGen` (2·rows: x̃'s then x_p's; x is data, so none at d_x) of gen's,
 *   ∂/∂a_j = (−σ(R − a_j) − Σ_i σ(r_i − A)/m)/m        (b_j: B, likewise)
 * the Σ_i over the whole batch (a second `allSum`; Σ_i σ(r_i − A) = m − Σ_i σ(A − r_i)).
 * Calls `allSum` twice, also with zero rows.
 */
export function relativisticLogits(d: ArrayLike<number>, rows: number, m: number, allSum: AllSum, gDisc: Float32Array, gGen: Float32Array): { disc: number; gen: number } {
  let sr = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < rows; i++) {
    sr += d[i];
    sa += d[rows + i];
    sb += d[2 * rows + i];
  }
  const [tr, ta, tb] = allSum([sr, sa, sb]);
  const [R, A, B] = [tr / m, ta / m, tb / m];
  let sFake = 0;
  let sA = 0;
  let sB = 0;
  let disc = 0;
  let gen = 0;
  for (let i = 0; i < rows; i++) {
    const [r, a, b] = [d[i], d[rows + i], d[2 * rows + i]];
    sFake += sigmoid(a - R) + sigmoid(b - R);
    sA += sigmoid(A - r);
    sB += sigmoid(B - r);
    disc += 0.5 * (softplus(A - r) + softplus(a - R) + softplus(B - r) + softplus(b - R));
    gen += softplus(R - a) + softplus(r - A) + softplus(R - b) + softplus(r - B);
  }
  const [SF, SA, SB] = allSum([sFake, sA, sB]);
  const h = 0.5 / m;
  for (let j = 0; j < rows; j++) {
    const [r, a, b] = [d[j], d[rows + j], d[2 * rows + j]];
    gDisc[j] = h * (-sigmoid(A - r) - sigmoid(B - r) - SF / m);
    gDisc[rows + j] = h * (SA / m + sigmoid(a - R));
    gDisc[2 * rows + j] = h * (SB / m + sigmoid(b - R));
    gGen[j] = (-sigmoid(R - a) - (m - SA) / m) / m;
    gGen[rows + j] = (-sigmoid(R - b) - (m - SB) / m) / m;
  }
  return { disc, gen };
}

/** One thread's VAE-GAN step on the kernels: load a batch's rows and noise, then `gradient` (Adam and the average: `GanWeights`). */
export class GanNet extends GanWeights {
  /** The relativistic loss: its generator gradient at [d_x̃; d_xp] of this step (`losses` → `throughDiscriminator`). */
  private genGrad = new Float32Array(0);

  /**
   * Loads `rows` samples (`pick(i)`: the i-th one's row in `x`; a split's bytes become byte/255
   * straight in the kernels' input rows) and draws the step's noise from
   * `seed`: ε (rows × latentDim), then z_p — in models/vaegan.ts ganNoise's order, so one thread
   * taking the whole batch gets the tfjs path's noise.
   */
  load(x: RowValues, rows: number, pick: (i: number) => number, seed: number): void {
    const { plan, buf } = this;
    if (rows > plan.rows) throw new Error(`VAE-GAN kernels: ${rows} rows for buffers of ${plan.rows}`);
    const D = plan.inputDim;
    const X = this.view(buf.disIn, rows * D);
    for (let i = 0; i < rows; i++) {
      const src = pick(i);
      copyRowF32(x, D, src, X, i * D);
    }
    const rng = mulberry32(seed);
    const { eps, zp } = this.loaded(rows);
    for (let i = 0; i < eps.length; i++) eps[i] = gaussian(rng);
    for (let i = 0; i < zp.length; i++) zp[i] = gaussian(rng);
  }

  /** The loaded rows, their ε and z_p (views: tests may overwrite the noise). */
  loaded(rows: number): { x: Float32Array; eps: Float32Array; zp: Float32Array } {
    const { plan, buf } = this;
    const L = plan.latentDim;
    return { x: this.view(buf.disIn, rows * plan.inputDim), eps: this.view(buf.eps, rows * L), zp: this.view(buf.zz + rows * L * 4, rows * L) };
  }

  /** Byte offset of row `row` of a buffer of `width` floats per row. */
  private static at(base: number, row: number, width: number): number {
    return base + row * width * 4;
  }

  private convBuffers(l: LayerPlan, cols: number): ConvBuffers {
    const { plan, buf } = this;
    const t = (i: number) => plan.tensors[i].offset * 4;
    return { W: plan.w + t(l.kernel), b: plan.w + t(l.bias), gW: buf.grads + t(l.kernel), gb: buf.grads + t(l.bias), cols, scratch: buf.scratch, pack: buf.pack };
  }

  /** out = act(layer(input)) for `rows` samples (`cols`: a conv's im2col matrix, kept). */
  private fwd(l: LayerPlan, input: number, rows: number, out: number, cols = -1): void {
    const { k } = this;
    if (l.kind !== 'dense') return convForward(k, l, rows, input, out, this.convBuffers(l, cols));
    const o = this.convBuffers(l, cols);
    k.gemm(rows, l.out, l.inDim, input, l.inDim, 1, o.W, l.out, 1, out, l.out, 0, o.pack);
    k.bias_act(rows, l.out, out, o.b, l.act);
  }

  /**
   * `D` holds the gradient at the layer's output (H: its activations): it becomes the one at the
   * pre-activation, the weight gradients are written and, with `dInput`, the input's (added when `acc`).
   */
  private bwd(l: LayerPlan, input: number, rows: number, H: number, D: number, cols: number, dInput: number | null, acc = false): void {
    const { k } = this;
    k.act_grad(rows * l.out, 1, H, D, l.act);
    const o = this.convBuffers(l, cols);
    if (l.kind !== 'dense') return convBackward(k, l, rows, input, D, dInput, acc, o);
    k.gemm(l.inDim, l.out, rows, input, 1, l.inDim, D, l.out, 1, o.gW, l.out, 0, o.pack);
    k.col_sum(rows, l.out, D, o.gb);
    if (dInput !== null) k.gemm(rows, l.inDim, l.out, D, l.out, 1, o.W, 1, l.out, dInput, l.inDim, acc ? 1 : 0, o.pack);
  }

  /** As `bwd`, the input gradient only (written to `dInput`): no weight gradient. */
  private bwdInput(l: LayerPlan, rows: number, H: number, D: number, dInput: number): void {
    const { k } = this;
    k.act_grad(rows * l.out, 1, H, D, l.act);
    const { W, scratch, pack } = this.convBuffers(l, -1);
    if (l.kind === 'dense') return k.gemm(rows, l.inDim, l.out, D, l.out, 1, W, 1, l.out, dInput, l.inDim, 0, pack);
    const [Hi, Wi, C] = l.image;
    const [h, w, c] = l.grid;
    const kkC = l.k * l.k * C;
    const M = rows * h * w;
    if (l.kind === 'conv') {
      k.gemm(M, kkC, c, D, c, 1, W, 1, c, scratch, kkC, 0, pack);
      k.col2im(rows, Hi, Wi, C, l.k, l.s, l.pt, l.pl, h, w, scratch, dInput, 0);
    } else {
      k.im2col(rows, Hi, Wi, C, l.k, l.s, l.pt, l.pl, h, w, D, scratch);
      k.gemm(M, c, kkC, scratch, kkC, 1, W, c, 1, dInput, c, 0, pack);
    }
  }

  /**
   * Forward and backward over the loaded `rows` rows of a batch of `m` (KL weight `beta`):
   * writes this thread's share of the three networks' gradients (each of its own optimiser's
   * loss) into its gradient buffer and returns its sums of the terms. Zero rows: zero gradients.
   * `allSum`: the relativistic loss's sums over all threads of the batch (`AllSum`; the default
   * takes this thread's rows for the whole batch); unused by the standard loss.
   */
  gradient(rows: number, m: number, beta: number, allSum: AllSum = ownRows): GanTerms {
    if (rows === 0) {
      // Still a party to the other threads' sums.
      if (this.plan.relativistic) relativisticLogits([], 0, m, allSum, new Float32Array(0), new Float32Array(0));
      this.gradsOf().fill(0);
      return { recon: 0, kl: 0, disc: 0, gen: 0, feature: 0 };
    }
    const kl = this.forward(rows);
    const terms = this.losses(rows, m, allSum);
    this.discriminatorBackward(rows);
    this.throughDiscriminator(rows, m);
    this.generatorBackward(rows, m, beta);
    return { ...terms, kl };
  }

  /** Encoder, sampling, decoder on [z; z_p], output activation, discriminator on [x; x̃; x_p]. Returns Σ KL. */
  private forward(rows: number): number {
    const { k, plan, buf } = this;
    const { enc, dec, dis, inputDim: D, latentDim: L } = plan;
    let input = buf.disIn;
    enc.forEach((l, i) => {
      this.fwd(l, input, rows, buf.encH[i], buf.encCols[i]);
      input = buf.encH[i];
    });
    this.fwd(plan.mu, input, rows, buf.mu);
    this.fwd(plan.lv, input, rows, buf.lv);
    const kl = k.reparam(rows, L, buf.mu, buf.lv, buf.eps, buf.zz);
    input = buf.zz;
    dec.forEach((l, i) => {
      this.fwd(l, input, 2 * rows, buf.decH[i]);
      input = buf.decH[i];
    });
    // x̃ and x_p: the logits through the output activation, after x in the discriminator's input.
    const out = GanNet.at(buf.disIn, rows, D);
    this.f32.copyWithin(out / 4, input / 4, input / 4 + 2 * rows * D);
    // Bernoulli: recon_bernoulli against zeros leaves 1·(σ(l) − 0) in place — the SIMD sigmoid
    // (bias_act's sigmoid is scalar). Gaussian: the identity.
    if (plan.bernoulli) k.recon_bernoulli(2 * rows, D, out, plan.zeros, 1);
    else k.bias_act(2 * rows, D, out, plan.zeros, plan.outAct);
    input = buf.disIn;
    dis.forEach((l, i) => {
      this.fwd(l, input, 3 * rows, buf.disH[i], buf.disCols[i]);
      input = buf.disH[i];
    });
    this.fwd(plan.logit, input, 3 * rows, buf.logit);
    return kl;
  }

  /**
   * The terms' sums; leaves the gradients of their batch means: `disc`'s at the logits
   * (dLogit), the feature term's at Dis_l(x̃) (featD) and the pixel term's at x̃'s logits (in
   * place of them).
   */
  private losses(rows: number, m: number, allSum: AllSum): Omit<GanTerms, 'kl'> {
    const { k, plan, buf } = this;
    const d = this.view(buf.logit, 3 * rows);
    const g = this.view(buf.dLogit, 3 * rows);
    let disc = 0;
    let gen = 0;
    if (plan.relativistic) {
      if (this.genGrad.length !== 2 * rows) this.genGrad = new Float32Array(2 * rows);
      ({ disc, gen } = relativisticLogits(d, rows, m, allSum, g, this.genGrad));
    } else {
      for (let i = 0; i < 3 * rows; i++) {
        const real = i < rows;
        disc += softplus(real ? -d[i] : d[i]);
        if (!real) gen += softplus(-d[i]);
        g[i] = (sigmoid(d[i]) - (real ? 1 : 0)) / m;
      }
    }
    const F = plan.features;
    const fl = buf.disH[plan.dis.length - 1];
    this.f32.copyWithin(buf.featD / 4, GanNet.at(fl, rows, F) / 4, GanNet.at(fl, 2 * rows, F) / 4);
    const feature = k.recon_gaussian(rows, F, buf.featD, fl, 1 / m);
    const D = plan.inputDim;
    const logits = buf.decH[plan.dec.length - 1];
    const s2 = plan.sigma * plan.sigma;
    const recon = plan.bernoulli
      ? k.recon_bernoulli(rows, D, logits, buf.disIn, 1 / m)
      : k.recon_gaussian(rows, D, logits, buf.disIn, 1 / (m * s2)) / s2 + rows * gaussianConstant(D, plan.sigma);
    return { recon, disc, gen, feature };
  }

  /** 1. The discriminator's weight gradients from `disc`, on all 3·rows rows. */
  private discriminatorBackward(rows: number): void {
    const { plan, buf } = this;
    const n = plan.dis.length;
    const R = 3 * rows;
    this.bwd(plan.logit, buf.disH[n - 1], R, buf.logit, buf.dLogit, -1, buf.disD[n - 1]);
    for (let i = n - 1; i >= 0; i--) {
      this.bwd(plan.dis[i], i > 0 ? buf.disH[i - 1] : buf.disIn, R, buf.disH[i], buf.disD[i], buf.disCols[i], i > 0 ? buf.disD[i - 1] : null);
    }
  }

  /**
   * 2. Input gradients through the discriminator: of γ·feature + gen at [x̃; x_p] into the
   * decoder's last gradient buffer, and of feature alone at x̃ into gEnc; both then through the
   * output activation to the logits, plus the pixel term's (w·γ for the decoder, w for the encoder).
   */
  private throughDiscriminator(rows: number, m: number): void {
    const { k, plan, buf } = this;
    const { dis, features: F, inputDim: D, gamma, pixelWeight: pw } = plan;
    const n = dis.length;
    const at = GanNet.at;
    // gen's gradient at the x̃ and x_p logits: d/dt softplus(−t) = −σ(−t), over m (standard);
    // the relativistic one's, from `losses`.
    const logit = this.view(buf.logit, 3 * rows);
    const d = this.view(buf.dLogit, 3 * rows);
    if (plan.relativistic) d.set(this.genGrad, rows);
    else for (let i = rows; i < 3 * rows; i++) d[i] = -sigmoid(-logit[i]) / m;
    this.bwdInput(plan.logit, 2 * rows, at(buf.logit, rows, 1), at(buf.dLogit, rows, 1), at(buf.disD[n - 1], rows, F));
    const top = this.view(at(buf.disD[n - 1], rows, F), rows * F);
    const featD = this.view(buf.featD, rows * F);
    for (let i = 0; i < top.length; i++) top[i] += gamma * featD[i];
    const decOut = buf.decD[plan.dec.length - 1];
    const chain = (count: number, sink: number) => {
      for (let i = n - 1; i >= 0; i--) this.bwdInput(dis[i], count, at(buf.disH[i], rows, dis[i].out), at(buf.disD[i], rows, dis[i].out), i > 0 ? at(buf.disD[i - 1], rows, dis[i - 1].out) : sink);
    };
    chain(2 * rows, decOut);
    top.set(featD);
    chain(rows, buf.gEnc);
    const xOut = at(buf.disIn, rows, D);
    k.act_grad(2 * rows, D, xOut, decOut, plan.outAct);
    k.act_grad(rows, D, xOut, buf.gEnc, plan.outAct);
    if (pw === 0) return;
    const pix = this.view(buf.decH[plan.dec.length - 1], rows * D);
    const gDec = this.view(decOut, rows * D);
    const gEnc = this.view(buf.gEnc, rows * D);
    const wd = gamma * pw;
    for (let i = 0; i < pix.length; i++) {
      gDec[i] += wd * pix[i];
      gEnc[i] += pw * pix[i];
    }
  }

  /** 3–4. The decoder's weights on [z; z_p], llike's gradient at z, the sampling step and the encoder's weights. */
  private generatorBackward(rows: number, m: number, beta: number): void {
    const { k, plan, buf } = this;
    const { dec, enc } = plan;
    const nd = dec.length;
    for (let i = nd - 1; i >= 0; i--) {
      this.bwd(dec[i], i > 0 ? buf.decH[i - 1] : buf.zz, 2 * rows, buf.decH[i], buf.decD[i], -1, i > 0 ? buf.decD[i - 1] : null);
    }
    for (let i = nd - 1; i >= 0; i--) {
      this.bwdInput(dec[i], rows, buf.decH[i], i === nd - 1 ? buf.gEnc : buf.decD[i], i > 0 ? buf.decD[i - 1] : buf.dZ);
    }
    k.reparam_grad(rows, plan.latentDim, buf.mu, buf.lv, buf.eps, buf.dZ, buf.dMu, buf.dLv, beta / m);
    const ne = enc.length;
    const hLast = ne ? buf.encH[ne - 1] : buf.disIn;
    const dLast = ne ? buf.encD[ne - 1] : null;
    this.bwd(plan.mu, hLast, rows, buf.mu, buf.dMu, -1, dLast);
    this.bwd(plan.lv, hLast, rows, buf.lv, buf.dLv, -1, dLast, true);
    for (let i = ne - 1; i >= 0; i--) {
      this.bwd(enc[i], i > 0 ? buf.encH[i - 1] : buf.disIn, rows, buf.encH[i], buf.encD[i], buf.encCols[i], i > 0 ? buf.encD[i - 1] : null);
    }
  }
}
