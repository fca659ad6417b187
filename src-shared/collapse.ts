/**
 * Collapse, one rule for the engine, the CLI and the renderer: a run whose samples all look alike.
 *  - Posterior collapse (VAE, CVAE, VAE-GAN): the latent carries (almost) no information — no
 *    active unit, or a total KL to the prior under `COLLAPSE_KL_NATS` per sample. The decoder then
 *    ignores z.
 *  - Near-identical samples (every kind, an AE included): the run's `sampleSpread` (the mean
 *    pairwise distance of decoded prior samples over that of training images, for a CVAE per
 *    label; src-main/engine/sampleSpread.ts) under `COLLAPSE_SPREAD`. This catches what the
 *    encoder-side figures miss: a CVAE whose encoder's means vary (every unit "active") while the
 *    decoder, barely trained, draws the same image for every z.
 * Runs saved before `sampleSpread` was recorded are judged on the KL rule alone. Pure TypeScript
 * (a type import only).
 */
import type { ModelKind } from './types';

/** Total KL (nats per sample) under which a variational run counts as collapsed. */
export const COLLAPSE_KL_NATS = 0.1;

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

/** The metrics the rule reads: `kl` nats per sample, `activeUnits`, `sampleSpread` a ratio (absent in older runs). */
export interface CollapseMetrics {
  kl: number;
  activeUnits: number;
  sampleSpread?: number;
}

/**
 * Posterior collapse alone (the KL half of the rule): a variational run with no active unit or a
 * total KL under `COLLAPSE_KL_NATS`; never an AE (no KL term). Near-identical samples, the other
 * half, also come from a run of a step or two that has not learnt yet; this does not.
 */
export function posteriorCollapsed(kind: ModelKind, m: CollapseMetrics | null | undefined): boolean {
  return !!m && kind !== 'ae' && (m.activeUnits === 0 || m.kl < COLLAPSE_KL_NATS);
}

/**
 * Why a run collapsed, in words, or null when it did not (or has no metrics yet). An AE has no
 * KL term: only its sample spread can say it collapsed.
 */
export function collapseReason(kind: ModelKind, m: CollapseMetrics | null | undefined): string | null {
  if (!m) return null;
  if (posteriorCollapsed(kind, m)) {
    return m.activeUnits === 0 ? `no active latent unit (KL ${m.kl.toFixed(3)} nats)` : `total KL ${m.kl.toFixed(3)} nats, under ${COLLAPSE_KL_NATS}`;
  }
  if (m.sampleSpread !== undefined && m.sampleSpread < COLLAPSE_SPREAD) {
    const pct = m.sampleSpread * 100;
    return `samples are near-identical${kind === 'cvae' ? ' within each label' : ''} (spread ${pct < 1 ? pct.toFixed(1) : Math.round(pct)} % of the data's)`;
  }
  return null;
}

/** The export/generate warning for a collapsed run, or null. */
export function collapseWarning(kind: ModelKind, m: CollapseMetrics | null | undefined): string | null {
  const why = collapseReason(kind, m);
  return why
    ? `this run collapsed (${why}): the decoder ignores z, so the samples will be near-identical${kind === 'cvae' ? ' within each label' : ''}`
    : null;
}
