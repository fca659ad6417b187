/**
 * The words of the "Sample from" choice (Generate, Export, Compare): where generated samples are
 * drawn from (`SamplePrior`, src-shared/runs.ts), named in plain words for a model of each kind.
 */
import type { SamplePrior } from './contract';

/** One option of the choice: the value sent as `prior`, its button text and its tooltip. */
export interface PriorOption {
  id: SamplePrior;
  label: string;
  title: string;
}

/**
 * The two options for a model of `kind` (`ModelKind`; an unknown kind reads as a VAE): the model's
 * prior (a plain autoencoder has none: a Gaussian fitted to its latents) and the Gaussian mixture
 * fitted to the training images' latents (one per label for a CVAE).
 */
export function priorOptions(kind: string | undefined): [PriorOption, PriorOption] {
  const standard: PriorOption =
    kind === 'ae'
      ? {
          id: 'standard',
          label: 'a Gaussian fitted to its latents',
          title:
            'An autoencoder has no prior: z is drawn from one Gaussian fitted to the latents of the training images. It also covers the gaps between their clusters, where no image was encoded.',
        }
      : {
          id: 'standard',
          // Non-breaking inside "N(0, I)": a narrow panel (the data-space plot's) wraps before it, not in it.
          label: 'the prior, N(0,\u00a0I)',
          title:
            "z is drawn from the model's prior, N(0, T²·I). The prior has holes: regions the encoder never put a training image in, which decode to malformed or ambiguous images.",
        };
  const perLabel = kind === 'cvae' ? ' (one mixture per label)' : '';
  const fitted: PriorOption = {
    id: 'fitted',
    label: 'where the data lies (fitted mixture)',
    title:
      kind === 'ae'
        ? "z is drawn from a mixture of Gaussians fitted to the latents of the training images at the end of training: samples land where the encoder put real images, not in the gaps between their clusters that a single Gaussian also covers. The temperature scales each Gaussian's spread."
        : `z is drawn from a mixture of Gaussians fitted to the latents of the training images at the end of training${perLabel}: samples land where the encoder put real images, away from the prior's holes. The temperature scales each Gaussian's spread.`,
  };
  return [standard, fitted];
}

/** The choice as a short phrase, for a caption under what was drawn ("from the prior, N(0, I)"). */
export function priorPhrase(kind: string | undefined, prior: SamplePrior): string {
  const [standard, fitted] = priorOptions(kind);
  return `from ${(prior === 'fitted' ? fitted : standard).label}`;
}
