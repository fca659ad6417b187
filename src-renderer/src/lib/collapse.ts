/**
 * Posterior collapse: a VAE/CVAE whose latent carries (almost) no information — no active unit,
 * or a total KL to the prior under 0.1 nats per sample. The decoder then ignores z and every
 * sample looks alike. An AE has no KL term and is never reported as collapsed.
 */
import type { Metrics, ModelKind } from './contract';

/** Total KL (nats) under which a variational run counts as collapsed. */
export const COLLAPSE_KL_NATS = 0.1;

/** Why the run collapsed, in words, or null when it did not (or is an AE, or has no metrics yet). */
export function collapseReason(kind: ModelKind, m: Pick<Metrics, 'kl' | 'activeUnits'> | null | undefined): string | null {
  if (kind === 'ae' || !m) return null;
  if (m.activeUnits === 0) return `no active latent unit (KL ${m.kl.toFixed(3)} nats)`;
  if (m.kl < COLLAPSE_KL_NATS) return `total KL ${m.kl.toFixed(3)} nats, under ${COLLAPSE_KL_NATS}`;
  return null;
}
