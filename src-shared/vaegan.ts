/**
 * The VAE-GAN's (Larsen et al. 2016, "Autoencoding beyond pixels using a learned similarity
 * metric") part of the contract: its default settings and the GAN terms its training reports.
 * Re-exported by ./types.ts. Pure zod.
 */
import { z } from 'zod';

/**
 * VAE-GAN (Larsen et al. 2016) settings when none are given. `gamma` (γ): the decoder's weight of
 * the reconstruction term against fooling the discriminator (its loss γ·L_llike + L_GAN's
 * generator part, Algorithm 1); `pixelWeight`: the pixel likelihood (the VAE's, nats) mixed into
 * the reconstruction term L_llike^Dis_l (0 = the paper's discriminator features only; 1 keeps
 * reconstructions recognisable on MNIST, where features alone drift); `discLrScale`: the
 * discriminator's learning rate over the run's. Measured on 2,000 embedded-MNIST digits, 10
 * epochs, latent 8, dense 256: γ = 1 gave a Fréchet distance of 11.1 (a VAE 14.4) with 76 % of
 * reconstructions read as their digit (VAE 74 %); γ = 0.1 gave 24.0 and 52 %. The sweep in
 * docs/PERFORMANCE.md (8,000 digits, latent 16, VAE-GAN beside a VAE for the same seconds) kept
 * γ = 1: through the Engine over 300 s, 1.04× the VAE's Fréchet distance with 95.5 % recognised
 * against γ = 0.3's 1.10× and 94.85 %. γ = 0.3 wins once a run has ~100 epochs (PyTorch peer,
 * 300 s: 0.88×, 95.2 %) but loses recognisable reconstructions in shorter ones. Pixel weight 1
 * and rate × 1 were the best tried (rate × 3 or × 10: the discriminator wins too clearly).
 */
export const VAEGAN_DEFAULTS = { gamma: 1, pixelWeight: 1, discLrScale: 1 } as const;

/**
 * Adam's β1 (first-moment decay) of the VAE-GAN's two adversaries, the decoder and the
 * discriminator; the encoder keeps Adam's usual 0.9. Radford et al. 2015 (DCGAN, §4): 0.9
 * "resulted in training oscillation and instability while reducing it to 0.5 helped stabilize
 * training". Measured with the PyTorch peer (bench/peer, dense 784-256-16, 8,000 digits, 40
 * epochs, two seeds): at γ = 0.1 the Fréchet distance of prior samples fell from 98.0 / 101.4
 * (β1 0.9) to 87.4 / 93.4 (β1 0.5), recognised reconstructions 93.5–94.0 % → 94.7–94.9 %.
 */
export const GAN_ADAM_BETA1 = 0.5;

/**
 * VAE-GAN training losses, per sample (nats): `disc` the discriminator's (−log D(x) − log(1 − D(x̃))
 * − log(1 − D(x_p)): real, reconstructed, prior sample; 3·ln 2 ≈ 2.08 when it cannot tell them
 * apart, → 0 when it wins), `gen` the decoder's GAN loss (−log D(x̃) − log D(x_p)), `feature` the
 * reconstruction term in the discriminator's features (½·Σ (Dis_l(x̃) − Dis_l(x))²).
 */
export const GanParts = z.object({
  disc: z.number(),
  gen: z.number(),
  feature: z.number(),
});
export type GanParts = z.infer<typeof GanParts>;
