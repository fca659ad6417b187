/**
 * Collapse, one rule for the engine, the CLI and the renderer: a run whose samples all look alike.
 *  - Posterior collapse (VAE, CVAE, VAE-GAN): the latent carries (almost) no information — no
 *    active unit, a total KL to the prior under `COLLAPSE_KL_NATS` per sample, or no unit whose
 *    KL reaches `COLLAPSE_UNIT_KL_NATS` (`Metrics.klPerDim`) while the samples vary under
 *    `LOW_INFORMATION_SPREAD` of the data. The decoder then ignores z; a CVAE still draws each
 *    label's digit, the same for every z: the latent is unused, samples depend only on the label.
 *  - Near-identical samples (every kind, an AE included): the run's `sampleSpread` (the mean
 *    pairwise distance of decoded prior samples over that of training images, for a CVAE per
 *    label; src-main/engine/sampleSpread.ts) under `COLLAPSE_SPREAD`. This catches what the
 *    encoder-side figures miss: a CVAE whose encoder's means vary (every unit "active") while the
 *    decoder, barely trained, draws the same image for every z.
 * Runs saved before `sampleSpread` or `klPerDim` was recorded are judged on the total KL and the
 * active units. Pure TypeScript (a type import only).
 */
import type { ModelKind } from './types';

/** Total KL (nats per sample) under which a variational run counts as collapsed. */
export const COLLAPSE_KL_NATS = 0.1;

/**
 * KL (nats per sample) that at least one latent unit reaches when the latent is used
 * (`Metrics.klPerDim`, the test split's mean per dimension). The total alone misses a collapse
 * spread thin over the units: a dense CVAE at β 20 on 400 digits (10 epochs, batch 32) ends with
 * units of 0.010, 0.045 and 0.083 nats (total 0.138, over 0.1; 2 of 3 "active" by the posterior
 * means' variance) and every sample of a label the same digit. Measured (dense, z = 3, MNIST):
 *  - z unused: CVAE β 20 on 8,000 digits, 1 epoch at batch 16 / 64, 5 epochs at 256: the largest
 *    unit 0.008 / 0.048 / 0.024 nats, spread 0.07 / 0.11 / 0.10; decoding a test digit from its
 *    posterior mean instead of z = 0 improves its reconstruction by only 0.4 / 5.2 / 1.9 nats;
 *  - healthy: CVAE β 5, 8,000 digits (1 epoch at batch 16, 3 at 64, 5 at 256): the largest unit
 *    0.75 / 0.78 / 0.94 nats (z improves reconstructions by 21 / 26 / 46 nats), on 400 digits
 *    0.99; VAE β 1: 2.4 nats and more; z = 8 CVAEs β 5: 0.53–0.83.
 * Low-dimensional data needs little information: a CVAE on the 2-D moons has units of 0.07–0.34
 * nats and samples as varied as 0.46–0.77 of the data, hence the second condition,
 * `LOW_INFORMATION_SPREAD`. Not caught, and not posterior collapse: a CVAE at β 20 after 32
 * steps (1 epoch at batch 256; units 0.47, 0.36, 0.18 nats) has not learnt its labels yet — one
 * grey blob for every label, z changing its brightness (z improves reconstructions by 69 nats) —
 * which the start's notice of too few optimiser steps says (jobs/startChecks.ts); trained on, its
 * KL falls under 0.1 by epoch 4 and the rule fires.
 */
export const COLLAPSE_UNIT_KL_NATS = 0.25;

/**
 * Sample spread (samples' mean pairwise distance over the training images') under which the
 * samples count as near-identical; also the VAE-GAN's per-epoch generator-collapse threshold
 * (src-main/engine/jobs/ganHealth.ts). Measured on MNIST through the CLI (z = 3, batch 64; the
 * decoded samples are Bernoulli means, blurrier than the data, so even good runs stay well under 1):
 *  - the fresh user's conv CVAE, 2 epochs (250 steps; KL 0.68 nats, 3/3 active): 0.09 — every
 *    sample of a label the same 7 to the eye; the same run with seeds 3 and 2: 0.12 and 0.18
 *    (KL 1.1 and 1.5 nats), alike 7s with a little variation in the second;
 *  - a conv VAE, 2 epochs: 0.21 (blurry but different digits);
 *  - healthy runs: conv CVAE 4 epochs 0.50, 2 epochs at batch 32 0.42; dense VAE 5 epochs 0.43,
 *    CVAE 0.44, AE 0.51; dense VAE-GAN (z = 8) 3 epochs 0.53.
 * 0.15 flags the first two and leaves every healthy run at 2.8× or more.
 */
export const COLLAPSE_SPREAD = 0.15;

/**
 * The sample spread under which a latent without a unit reaching `COLLAPSE_UNIT_KL_NATS` counts
 * as unused (2 × `COLLAPSE_SPREAD`): those image runs above measured 0.07–0.14, healthy image runs
 * 0.34 and more after a few epochs, the 2-D moons' CVAE (little information, z used) 0.46–0.77.
 */
export const LOW_INFORMATION_SPREAD = 2 * COLLAPSE_SPREAD;

/**
 * The metrics the rule reads: `kl` nats per sample, `activeUnits`, `klPerDim` nats per sample per
 * latent dimension and `sampleSpread` a ratio (each of the last two absent in older runs).
 */
export interface CollapseMetrics {
  kl: number;
  activeUnits: number;
  klPerDim?: readonly number[];
  sampleSpread?: number;
}

/** A spread ratio in percent: one decimal under 1 %, else whole. */
const pctText = (ratio: number) => (ratio * 100 < 1 ? (ratio * 100).toFixed(1) : String(Math.round(ratio * 100)));

/** The largest unit's KL (nats), or null without per-dimension figures. */
const largestUnitKl = (m: CollapseMetrics): number | null => (m.klPerDim?.length ? Math.max(...m.klPerDim) : null);

/** No unit reaches `COLLAPSE_UNIT_KL_NATS` and the samples vary under `LOW_INFORMATION_SPREAD` (false when either is unknown). */
function lowInformation(m: CollapseMetrics): boolean {
  const largest = largestUnitKl(m);
  return largest !== null && largest < COLLAPSE_UNIT_KL_NATS && m.sampleSpread !== undefined && m.sampleSpread < LOW_INFORMATION_SPREAD;
}

/**
 * Posterior collapse alone (the KL half of the rule): a variational run with no active unit, a
 * total KL under `COLLAPSE_KL_NATS`, or no unit reaching `COLLAPSE_UNIT_KL_NATS` with samples
 * varying under `LOW_INFORMATION_SPREAD`; never an AE (no KL term). Near-identical samples, the
 * other half, also come from a run of a step or two that has not learnt yet; this does not.
 */
export function posteriorCollapsed(kind: ModelKind, m: CollapseMetrics | null | undefined): boolean {
  if (!m || kind === 'ae') return false;
  return m.activeUnits === 0 || m.kl < COLLAPSE_KL_NATS || lowInformation(m);
}

/**
 * The figures of a posterior collapse in words: "no active latent unit (KL 0.001 nats)", "total
 * KL 0.062 nats, under 0.1", "no latent unit reaches 0.25 nats of KL (the largest 0.083, total
 * 0.138; spread 14 % of the data's)".
 */
function posteriorText(m: CollapseMetrics): string {
  if (m.activeUnits === 0) return `no active latent unit (KL ${m.kl.toFixed(3)} nats)`;
  if (m.kl < COLLAPSE_KL_NATS) return `total KL ${m.kl.toFixed(3)} nats, under ${COLLAPSE_KL_NATS}`;
  return `no latent unit reaches ${COLLAPSE_UNIT_KL_NATS} nats of KL (the largest ${largestUnitKl(m)!.toFixed(3)}, total ${m.kl.toFixed(3)}; spread ${pctText(m.sampleSpread!)} % of the data's)`;
}

/** How a CVAE's posterior collapse is said: z is unused, the label alone makes the samples. */
const CVAE_UNUSED = 'the latent is unused: samples depend only on the label';

/**
 * Why a run collapsed, in words, or null when it did not (or has no metrics yet). An AE has no
 * KL term: only its sample spread can say it collapsed. A CVAE's posterior collapse says that
 * its latent is unused ("the latent is unused: samples depend only on the label — total KL …").
 */
export function collapseReason(kind: ModelKind, m: CollapseMetrics | null | undefined): string | null {
  if (!m) return null;
  if (posteriorCollapsed(kind, m)) return kind === 'cvae' ? `${CVAE_UNUSED} — ${posteriorText(m)}` : posteriorText(m);
  if (m.sampleSpread !== undefined && m.sampleSpread < COLLAPSE_SPREAD) {
    return `samples are near-identical${kind === 'cvae' ? ' within each label' : ''} (spread ${pctText(m.sampleSpread)} % of the data's)`;
  }
  return null;
}

/** The export/generate warning for a collapsed run, or null; a CVAE's posterior collapse adds "lower β". */
export function collapseWarning(kind: ModelKind, m: CollapseMetrics | null | undefined): string | null {
  const why = collapseReason(kind, m);
  if (!why) return null;
  if (kind === 'cvae' && posteriorCollapsed(kind, m)) return `this run collapsed (${why}): the samples will be near-identical within each label; lower β`;
  return `this run collapsed (${why}): the decoder ignores z, so the samples will be near-identical${kind === 'cvae' ? ' within each label' : ''}`;
}
