/**
 * Posterior collapse, one rule for the engine, the CLI and the renderer: a VAE/CVAE whose latent
 * carries (almost) no information — no active unit, or a total KL to the prior under 0.1 nats per
 * sample. The decoder then ignores z and every sample looks alike. An AE has no KL term and is
 * never reported as collapsed. Pure TypeScript (a type import only).
 */
import type { ModelKind } from './types';

/** Total KL (nats per sample) under which a variational run counts as collapsed. */
export const COLLAPSE_KL_NATS = 0.1;

/**
 * Why a run collapsed, in words, or null when it did not (or is an AE, or has no metrics yet).
 * `m`: the run's test metrics (`kl` in nats per sample, `activeUnits`).
 */
export function collapseReason(kind: ModelKind, m: { kl: number; activeUnits: number } | null | undefined): string | null {
  if (kind === 'ae' || !m) return null;
  if (m.activeUnits === 0) return `no active latent unit (KL ${m.kl.toFixed(3)} nats)`;
  if (m.kl < COLLAPSE_KL_NATS) return `total KL ${m.kl.toFixed(3)} nats, under ${COLLAPSE_KL_NATS}`;
  return null;
}

/** The export/generate warning for a collapsed run, or null. */
export function collapseWarning(kind: ModelKind, m: { kl: number; activeUnits: number } | null | undefined): string | null {
  const why = collapseReason(kind, m);
  return why
    ? `this run collapsed (${why}): the decoder ignores z, so the samples will be near-identical${kind === 'cvae' ? ' within each label' : ''}`
    : null;
}
