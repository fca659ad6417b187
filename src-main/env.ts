/**
 * Every `LATENT_LAB_*` environment variable: what it does, its default, and who reads it. Code
 * reads them through `envValue` / `envFlag` (typed names, so a typo does not compile); the
 * README's table ("Environment variables") is made from `ENV_VARS` by `envTable()` and
 * `test/unit/env.test.ts` fails when the two differ (`npx tsx scripts/make-env-table.ts`
 * rewrites it). Plain Node; the renderer gets nothing from the environment.
 */

export type EnvScope = 'app' | 'build' | 'tests' | 'bench';

export interface EnvVarDoc {
  /** `app`: the app, browser mode and CLI; `build`: `electron-vite build`; `tests`: the test suites; `bench`: `npm run bench` and its scripts. */
  scope: EnvScope;
  /** Accepted values, e.g. `tensorflow \| wasm \| cpu`, `path`, `1…8`. */
  values: string;
  /** What happens when it is unset (or empty). */
  default: string;
  meaning: string;
}

export const ENV_VARS = {
  LATENT_LAB_HOME: {
    scope: 'app',
    values: 'folder',
    default: 'the platform data folder (`~/.local/share/latent-lab`, `~/Library/Application Support/Latent Lab`, `%APPDATA%\\Latent Lab`)',
    meaning: 'The workspace: `runs/` and downloaded `datasets/`. `--workspace` (server, CLI) and the app setting override it.',
  },
  LATENT_LAB_BACKEND: {
    scope: 'app',
    values: '`tensorflow` \\| `wasm` \\| `cpu`',
    default: 'the best that loads, in that order',
    meaning: 'Forces the tfjs backend; one that cannot load is an `UNSUPPORTED` error at start.',
  },
  LATENT_LAB_DENSE: {
    scope: 'app',
    values: '`0`',
    default: "on: Latent Lab's dense WebAssembly kernels train supported models",
    meaning: '`0` trains on tfjs ops in the workers, and runs forward passes (validation, encoding, decoding) on tfjs, instead.',
  },
  LATENT_LAB_TRAIN_WORKERS: {
    scope: 'app',
    values: '`0`…`16`',
    default: 'one per core (at most 4) for models and batches big enough, else 1',
    meaning: 'Forces the number of training worker threads (wasm and cpu backends); `0` trains on the engine thread. Other values are ignored.',
  },
  LATENT_LAB_WASM_THREADS: {
    scope: 'app',
    values: '`1`…`8`',
    default: 'one per core, at most 4',
    meaning: 'Threads of the multi-threaded tfjs wasm build (used with `LATENT_LAB_DENSE=0`); anything else is an `UNSUPPORTED` error at start.',
  },
  LATENT_LAB_WASM_INIT_TIMEOUT_MS: {
    scope: 'app',
    values: 'milliseconds',
    default: '20000',
    meaning: 'How long the multi-threaded wasm build may take to load before the single-threaded one is used. Invalid values mean the default.',
  },
  LATENT_LAB_TRAIN_WORKER_ENTRY: {
    scope: 'app',
    values: 'file',
    default: '`train-worker.js` next to the built engine, else `src-main/engine/parallel/worker.ts` via tsx',
    meaning: 'The training worker script (a `.ts` file runs through tsx). Tests point it at a missing file to exercise the fallback.',
  },
  LATENT_LAB_TRAIN_PROFILE: {
    scope: 'app',
    values: 'any non-empty value',
    default: 'off',
    meaning: 'Training workers print per-step timings and thread CPU per epoch to stderr.',
  },
  LATENT_LAB_CLASSIFIER: {
    scope: 'app',
    values: '`0`',
    default: "on: a run's metrics on image data include the Fréchet distance, the reconstruction accuracy and (CVAE) the generation accuracy, judged by the dataset's in-app classifier CNN (trained in the background — in the app from a first launch, or once your labelled images are checked, else after the run that needs it has ended — then cached in the dataset folder)",
    meaning: '`0` leaves those metrics out and never trains the classifier (the unit and e2e suites set it: they train many small runs).',
  },
  LATENT_LAB_USER_DATA: {
    scope: 'app',
    values: 'folder',
    default: "Electron's `userData` folder",
    meaning: 'Electron app only: the profile folder (settings, logs, window state); tests isolate it.',
  },
  LATENT_LAB_DEBUG: {
    scope: 'app',
    values: 'any non-empty value',
    default: 'off (`info`)',
    meaning: "Electron app only: the main process's console log shows `debug` messages.",
  },
  LATENT_LAB_E2E_NO_BUILD: {
    scope: 'tests',
    values: 'any non-empty value',
    default: 'rebuild when the build is older than its sources',
    meaning: 'Playwright uses `out/` as it is.',
  },
  LATENT_LAB_SCREENSHOTS: {
    scope: 'tests',
    values: 'any non-empty value',
    default: 'skipped',
    meaning: 'Runs the `@screenshots` spec, which rewrites `docs/screenshots/`.',
  },
  LATENT_LAB_MEM_TRACE: {
    scope: 'bench',
    values: 'any non-empty value',
    default: 'off',
    meaning: "The `convmem` bench's engine process prints its memory (RSS, heap, array buffers) after the import and at training reports to stderr.",
  },
} as const satisfies Record<`LATENT_LAB_${string}`, EnvVarDoc>;

export type EnvName = keyof typeof ENV_VARS;

/** The variable's value as set (untrimmed), or undefined when it is unset or empty. */
export function envValue(name: EnvName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** True when the variable is set to any non-empty value (`LATENT_LAB_DEBUG=1`, `=yes`, even `=0`). */
export function envFlag(name: EnvName, env: NodeJS.ProcessEnv = process.env): boolean {
  return envValue(name, env) !== undefined;
}

/** The README's table sits between these two lines. */
export const ENV_TABLE_START = '<!-- env-table:start (generated from src-main/env.ts by scripts/make-env-table.ts) -->';
export const ENV_TABLE_END = '<!-- env-table:end -->';

/** The README's Markdown table of `ENV_VARS` (one row per variable, in table order). */
export function envTable(): string {
  const rows = Object.entries(ENV_VARS).map(
    ([name, d]: [string, EnvVarDoc]) => `| \`${name}\` | ${d.scope} | ${d.values} | ${d.default} | ${d.meaning} |`,
  );
  return ['| Variable | For | Values | Default (unset) | Effect |', '|---|---|---|---|---|', ...rows].join('\n');
}
