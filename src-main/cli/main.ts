/**
 * Command-line front end over the engine (`npm run cli -- <command>`, `npx latent-lab`): one
 * module per command (`info.ts`, `inspect.ts`, `train.ts`, `export.ts` for generate/embeddings,
 * `encode.ts`; `data.ts` for the dataset options).
 * Every failure exits non-zero with one line naming what was wrong; `--debug` adds the stack.
 */
import { parseCommandLine, UsageError, type ParsedArgs } from './args';
import { encode } from './encode';
import { embeddings, generate } from './export';
import { info } from './info';
import { inspect } from './inspect';
import { train } from './train';

const USAGE = `Usage: latent-lab <command> [options]

Commands:
  info [--json]                         backend chosen (and why), versions
  inspect --data PATH [--json] [--preview-out DIR] [--size --channels --fit --preprocess --transpose]
                                        check your own data before training: kind, classes
                                        with counts, split, skipped items, warnings; the
                                        preview writes samples as trained (<class>/<n>.png)
  train --dataset mnist --model vae|ae|cvae|vaegan --latent 3 --epochs 10
        [--batch 256 (vaegan: 64) --lr 1e-3 --beta 1 (cvae: 5) --warmup 0 --seed 1 --hidden 256[,128]]
        [--arch dense|conv --filters 32,64]  conv: Conv2D stages (filters per stage; default
                                        per image size), --hidden = its dense layers (28: 16)
        [--likelihood auto|bernoulli|gaussian --sigma 0.1]  reconstruction likelihood (auto:
                                        Bernoulli for images, Gaussian for 2-D points; σ of
                                        the Gaussian, default 0.1 for images, 1 for points)
        [--gamma 0.3 --pixel-weight 1 --disc-lr-scale 0.5]  vaegan (images only): γ, the
                                        decoder's reconstruction weight against fooling the
                                        discriminator; the pixel likelihood mixed into the
                                        feature reconstruction (0 = features only); the
                                        discriminator's learning rate × the run's
        [--out <runDir>] [--json]       train a model; prints test metrics
                                        (--out: a new or empty folder outside the workspace)
        [--data PATH [--size 28|32|64|auto] [--channels 1|3|auto] [--fit crop|pad]
         [--preprocess auto|mnist-style|plain] [--transpose]]
                                        your own data instead of --dataset: class folders,
                                        train/+test/, metadata.csv, IDX, .npz/.npy or CSV
  generate --run <runDir> --count 100 [--label NAME] [--temperature 1] [--seed 1]
        --format imagefolder|idx|npz --out <dir> [--overwrite]
                                        --label: one class of a CVAE, by its name (the
                                        class named "7", not the 8th one)
  encode --run <runDir> <image files…> [--json]
  embeddings --run <runDir> --out <dir> [--overwrite]

Common: --workspace <dir> (or LATENT_LAB_HOME), --debug
Backend: LATENT_LAB_BACKEND=tensorflow|wasm|cpu forces one.`;

const COMMANDS: Record<string, (a: ParsedArgs) => Promise<number>> = {
  info: (a) => info(a.options),
  inspect: (a) => inspect(a.options),
  train: (a) => train(a.options),
  generate: (a) => generate(a.options),
  embeddings: (a) => embeddings(a.options),
  encode: (a) => encode(a.options, a.positionals),
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const args = parseCommandLine(rest);
  debug = !!args.options.debug;
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  return run(args);
}

let debug = process.argv.includes('--debug');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (debug && err instanceof Error) console.error(err.stack);
    const msg = err instanceof Error ? err.message : String(err);
    const hint = err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? ' (see --help)' : '';
    console.error(`latent-lab: ${msg}${hint}`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
