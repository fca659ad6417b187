/**
 * The dataset options of `train` and `inspect`: `--data PATH` (your own data, its kind detected)
 * with `--size 28|32|64|auto`, `--channels 1|3|auto`, `--fit crop|pad`, `--preprocess
 * auto|mnist-style|plain`, `--transpose`; or `--dataset <id>` for the built-in sets (`--dataset
 * folder|local --path PATH` as before). And the report's warnings, printed to stderr.
 */
import type { DatasetRefInput, DatasetReport, ImportOptionsInput } from '../../src-shared/types';
import { DATASET_IDS } from '../../src-shared/types';
import { resolveCliPath } from '../engine/datasets/ownPath';
import { FIT_PAD_APP_ADVICE, KEEP_COLOUR_APP_ADVICE, SIZE_32_APP_ADVICE, TRANSPOSE_APP_ADVICE } from '../engine/datasets/local/importAdvice';
import { UsageError, type Options } from './args';

const SIZES = ['auto', '28', '32', '64'];
const CHANNELS = ['auto', '1', '3'];
const FITS = ['crop', 'pad'];
const PREPROCESS = ['auto', 'mnist-style', 'plain'];

function choice(v: string | undefined, name: string, allowed: string[]): string | undefined {
  if (v === undefined) return undefined;
  if (!allowed.includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v;
}

/** The import options given on the command line (undefined when none). */
function importOptions(o: Options): ImportOptionsInput | undefined {
  const size = choice(o.size, 'size', SIZES);
  const channels = choice(o.channels, 'channels', CHANNELS);
  const fit = choice(o.fit, 'fit', FITS) as ImportOptionsInput['fit'];
  const preprocess = choice(o.preprocess, 'preprocess', PREPROCESS) as ImportOptionsInput['preprocess'];
  const opts: ImportOptionsInput = {
    ...(size ? { size: size === 'auto' ? 'auto' : (Number(size) as 28 | 32 | 64) } : {}),
    ...(channels ? { channels: channels === 'auto' ? 'auto' : (Number(channels) as 1 | 3) } : {}),
    ...(fit ? { fit } : {}),
    ...(preprocess ? { preprocess } : {}),
    ...(o.transpose ? { transpose: true } : {}),
  };
  return Object.keys(opts).length ? opts : undefined;
}

/**
 * The dataset a command works on.
 * @throws UsageError for `--data` with a built-in `--dataset`, import options without your own
 *   data, an unknown dataset id or a bad option value.
 */
export function dataRef(o: Options): DatasetRefInput {
  const imp = importOptions(o);
  const own = o.data ?? (o.dataset === 'folder' || o.dataset === 'local' ? o.path : undefined);
  if (o.data && o.dataset && o.dataset !== 'local' && o.dataset !== 'folder') {
    throw new UsageError(`--data is your own data; --dataset ${o.dataset} is a built-in one: give one of them`);
  }
  if (own) return { id: 'local', path: resolveCliPath(own, { flag: o.data ? '--data' : '--path' }), ...(imp ? { import: imp } : {}) };
  if (o.dataset === 'folder' || o.dataset === 'local') throw new UsageError(`--dataset ${o.dataset} needs --path (or use --data PATH)`);
  if (imp) throw new UsageError('--size, --channels, --fit, --preprocess and --transpose apply to your own data (--data PATH)');
  const id = o.dataset ?? 'mnist';
  if (!(DATASET_IDS as readonly string[]).includes(id) || id === 'local') {
    throw new UsageError(`--dataset must be one of ${DATASET_IDS.filter((d) => d !== 'local').join(', ')} (your own data: --data PATH)`);
  }
  return { id: id as Exclude<(typeof DATASET_IDS)[number], 'local'> };
}

/** The import report's advice in the app's words (its Import options) → the flag that does it here. */
const CLI_ADVICE: ReadonlyArray<readonly [app: string, cli: string]> = [
  [FIT_PAD_APP_ADVICE, 'use --fit pad to keep them whole'],
  [KEEP_COLOUR_APP_ADVICE, 'use --channels 3 to keep colour'],
  [TRANSPOSE_APP_ADVICE, 'use --transpose to see them upright'],
  [SIZE_32_APP_ADVICE, 'use --size 32 to train at 32×32'],
];

/** A report warning as the CLI says it: the app's advice (engine/datasets/local/importAdvice.ts) replaced by its flag. */
export function cliWarning(w: string): string {
  for (const [app, cli] of CLI_ADVICE) w = w.replace(app, cli);
  return w;
}

/** The report's warnings, one `warning:` line each (in the CLI's words: `cliWarning`), on stderr. */
export function printWarnings(report: Pick<DatasetReport, 'warnings'>): void {
  for (const w of report.warnings) console.error(`warning: ${cliWarning(w)}`);
}
