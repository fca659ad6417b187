/** The CLI's help: the whole usage (`latent-lab --help`) and each command's part (`latent-lab <command> --help`). */

export const USAGE = `Usage: latent-lab <command> [options]

Commands:
  info [--json]                         backend chosen (and why), versions
  inspect --data PATH [--json] [--preview-out DIR] [--size --channels --fit --preprocess --transpose]
                                        check your own data before training: kind, classes
                                        with counts, split, skipped items, warnings; the
                                        preview writes samples as trained (<class>/<n>.png)
  train --dataset mnist --model vae|ae|cvae|vaegan --latent 3 --epochs 10
        [--batch 256 (vaegan: 64) --lr 1e-3 --beta 1 (cvae: 5) --warmup 0 --seed 1 --hidden 256[,128]]
        [--lr-schedule constant|linear-decay]  the learning rate over the epochs (default
                                        constant; vaegan: linear-decay): constant, or kept
                                        for the first half, then down linearly to 5 % of it
                                        at the last epoch (as pix2pix and CycleGAN train)
        [--arch dense|conv --filters 32,64]  conv: Conv2D stages (filters per stage; default
                                        per image size), --hidden = its dense layers (28: 16)
        [--likelihood auto|bernoulli|gaussian --sigma 0.1]  reconstruction likelihood (auto:
                                        Bernoulli for images, Gaussian for 2-D points; σ of
                                        the Gaussian, default 0.1 for images, 0.3 for points)
        [--gamma 0.3 --pixel-weight 1 --disc-lr-scale 0.5]  vaegan (images only): γ, the
                                        decoder's reconstruction weight against fooling the
                                        discriminator; the pixel likelihood mixed into the
                                        feature reconstruction (0 = features only); the
                                        discriminator's learning rate × the run's
        [--gan-loss standard|relativistic]  vaegan: the adversarial loss (default relativistic:
                                        the relativistic average GAN loss, Jolicoeur-Martineau
                                        2018, chance 2·ln 2 / 4·ln 2; standard: Larsen et al.'s)
        [--ema-decay 0.999]             vaegan: the model is the exponential moving average of
                                        the encoder's and decoder's weights over training, this
                                        decay (0 to 0.99999; 0 = off: the last step's weights)
        [--out <runDir>] [--json]       train a model; prints test metrics
                                        (--out: a new or empty folder outside the workspace)
        [--data PATH [--size 28|32|64|auto] [--channels 1|3|auto] [--fit crop|pad]
         [--preprocess auto|mnist-style|plain] [--transpose]]
                                        your own data instead of --dataset: class folders
                                        (or a flat folder of images: one unlabelled class),
                                        train/+test/, metadata.csv, IDX, .npz/.npy or CSV
  generate --run <runDir> --count 100 [--label NAME] [--temperature 1] [--seed 1]
        [--prior standard|fitted] --format imagefolder|idx|npz --out <dir> [--overwrite]
        [--data PATH]                   the run's own data moved to PATH: checked against the
                                        run (classes, counts), used for this command only;
                                        samples need only the model (and a saved fitted
                                        prior), so generate also works with the data gone
                                        --count: images per label for a CVAE (3 classes,
                                        --count 30: 90 images), else in all
                                        --label: one class of a CVAE, by its name (the
                                        class named "7", not the 8th one)
                                        --prior standard (default): the model's prior, N(0, I)
                                        (an AE has none: a Gaussian fitted to its latents);
                                        fitted: a Gaussian mixture fitted to the training
                                        images' latents, where the data lies (a CVAE: one
                                        per label); --temperature scales either
  encode --run <runDir> <image files…> [--label NAME] [--json]
                                        the latent mean z of each image; a CVAE encodes
                                        under --label NAME, else under the best-fitting
                                        label, printed with p(label | image)
  embeddings --run <runDir> --out <dir> [--split test|train|all] [--overwrite]
        [--data PATH]                   TensorBoard projector files: the latent mean of
                                        each image of the test split (default), the
                                        training split, or all (training first)

Common: --workspace <dir> (or LATENT_LAB_HOME), --debug
Backend: LATENT_LAB_BACKEND=tensorflow|wasm|cpu forces one.`;

/** The lines after the command list (common options, the backend override). */
const COMMON = USAGE.slice(USAGE.indexOf('\nCommon:') + 1);

/**
 * `command`'s usage: `Usage: latent-lab <command> [options]`, its entry of the command list (its
 * first line and the indented lines under it, as in USAGE), then the common options; undefined
 * for an unknown command.
 */
export function commandUsage(command: string): string | undefined {
  const lines = USAGE.split('\n');
  const first = lines.findIndex((l) => l.startsWith(`  ${command} `) || l === `  ${command}`);
  if (first < 0) return undefined;
  let last = first + 1;
  while (last < lines.length && lines[last].startsWith('    ')) last++;
  return `Usage: latent-lab ${command} [options]\n\n${lines.slice(first, last).join('\n')}\n\n${COMMON}`;
}

/** True when `args` (after the command name) ask for help: `--help` or `-h`. */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}
