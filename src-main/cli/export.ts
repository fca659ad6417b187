/** `latent-lab generate` and `latent-lab embeddings`: exports from a saved run (`export:start`). */
import path from 'node:path';
import { kindName } from '../../src-shared/runNames';
import { EMBEDDING_SPLITS, SAMPLE_PRIORS, type EmbeddingSplit, type ExportRequest, type ExportResult, type ModelKind, type RunSummary, type SamplePrior } from '../../src-shared/types';
import type { Engine } from '../engine/engine';
import { resolveCliPath } from '../engine/datasets/ownPath';
import { DATA_MISSING_APP_ADVICE } from '../engine/runCache';
import { RunStore, type RunRecord } from '../engine/runs';
import { num, UsageError, type Options } from './args';
import { locateRun, openEngine } from './engine';

/**
 * `--label NAME` → the class's index: the class NAMED so (names that are numbers are names, not
 * positions: with classes 1…12, "7" is the class called 7), undefined when not given.
 * @throws UsageError naming the valid names when there is no such class.
 */
export function labelIndex(name: string | undefined, labelNames: readonly string[]): number | undefined {
  if (name === undefined) return undefined;
  const i = labelNames.indexOf(name);
  if (i < 0) {
    const shown = labelNames.slice(0, 40).map((n) => JSON.stringify(n)).join(', ');
    const more = labelNames.length > 40 ? ` and ${labelNames.length - 40} more` : '';
    throw new UsageError(`--label ${JSON.stringify(name)} is not a class of this run; its classes are ${shown}${more}`);
  }
  return i;
}

const AS: Record<ExportResult['format'], string> = {
  imagefolder: 'PNG folders with metadata.csv',
  idx: 'MNIST-style IDX files',
  npz: 'a NumPy .npz',
  embeddings: 'TensorBoard projector files',
};

/** The images embeddings of `split` are, in the summary's words. */
const SPLIT_WORDS: Record<EmbeddingSplit, string> = { test: 'test split', train: 'training split', all: 'training and test splits' };

/**
 * The line `generate` / `embeddings` print: what was written, how many, from where (`sampled`,
 * `sampledFrom`; embeddings: of which split, default the test split), in which form, where —
 * `wrote 30 generated images sampled from N(0, I) as a NumPy .npz to /x`, `wrote 36 embeddings
 * (test split) as TensorBoard projector files to /x`.
 */
export function exportSummary(r: Pick<ExportResult, 'format' | 'total' | 'out'>, sampled?: string, split: EmbeddingSplit = 'test'): string {
  const n = r.total.toLocaleString('en-US');
  const what = r.format === 'embeddings' ? `${n} ${r.total === 1 ? 'embedding' : 'embeddings'} (${SPLIT_WORDS[split]})` : `${n} generated ${r.total === 1 ? 'image' : 'images'}`;
  return `wrote ${what}${sampled ? ` ${sampled}` : ''} as ${AS[r.format]} to ${r.out}`;
}

/**
 * Where `generate`'s images were drawn from, in words for its success line (the app's words,
 * src-renderer/src/lib/priorWords.ts): 'fitted', "sampled from the fitted prior" (an AE, which
 * has no prior: "sampled from a Gaussian mixture fitted to its latents"); 'standard', the model's
 * prior, "sampled from N(0, I)" (temperature T ≠ 1: "N(0, 0.5²·I)"), or for an AE "sampled from a
 * Gaussian fitted to its latents".
 */
export function sampledFrom(kind: ModelKind, prior: SamplePrior, temperature = 1): string {
  if (prior === 'fitted') return kind === 'ae' ? 'sampled from a Gaussian mixture fitted to its latents' : 'sampled from the fitted prior';
  if (kind === 'ae') return 'sampled from a Gaussian fitted to its latents';
  return temperature === 1 ? 'sampled from N(0, I)' : `sampled from N(0, ${temperature}²·I)`;
}

/**
 * `--prior standard|fitted` (`SamplePrior`), undefined when not given (the engine's default,
 * standard). @throws UsageError for another value, or for `embeddings` (it samples nothing).
 */
export function priorOption(value: string | undefined, format: string | undefined): SamplePrior | undefined {
  if (value === undefined) return undefined;
  if (format === 'embeddings') throw new UsageError('--prior applies to generate (embeddings encode the run\'s images, they sample nothing)');
  if (!(SAMPLE_PRIORS as readonly string[]).includes(value)) throw new UsageError(`--prior must be one of ${SAMPLE_PRIORS.join(', ')}, got "${value}"`);
  return value as SamplePrior;
}

/**
 * `--split test|train|all` (`EmbeddingSplit`): the images `embeddings` encodes, the test split when
 * not given. @throws UsageError for another value, or for `generate` (it encodes no images).
 */
export function splitOption(value: string | undefined, format: string | undefined): EmbeddingSplit {
  if (value === undefined) return 'test';
  if (format !== 'embeddings') throw new UsageError('--split applies to embeddings (which images to encode); generate samples new images');
  if (!(EMBEDDING_SPLITS as readonly string[]).includes(value)) throw new UsageError(`--split must be one of ${EMBEDDING_SPLITS.join(', ')}, got "${value}"`);
  return value as EmbeddingSplit;
}

/**
 * Opens run `runId` for an export (`runs:open`). Generated images need only the model (the engine
 * makes them without the data: `export:start`), so when the run's own data is gone or unreadable
 * (DATA_MISSING, BAD_DATASET) `generate` says so on stderr and goes on (null); a fitted prior the
 * run has not saved is fitted to that data, and the export then refuses with DATA_MISSING, naming
 * what is missing (main.ts adds `--data PATH`). Embeddings encode the test split: the error is thrown.
 */
async function openForExport(engine: Engine, runId: string, format: string, prior: SamplePrior | undefined, rec: RunRecord): Promise<RunSummary | null> {
  try {
    return await engine.call('runs:open', { runId });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (format === 'embeddings' || (code !== 'DATA_MISSING' && code !== 'BAD_DATASET')) throw err;
    const why = (err as Error).message.replace(DATA_MISSING_APP_ADVICE, '.');
    // A fitted prior not saved yet: the engine's export refuses, saying what is missing (DATA_MISSING: main.ts adds --data PATH).
    if (prior === 'fitted' && !rec.fittedPrior) return null;
    const needs = prior === 'fitted' ? 'its model and its saved fitted prior' : 'its model';
    console.error(`note: ${why} Generating needs only ${needs}: going on without the data.`);
    return null;
  }
}

async function exportRun(o: Options, format: string | undefined): Promise<number> {
  const prior = priorOption(o.prior, format);
  const split = splitOption(o.split, format);
  const { workspace, runId } = await locateRun(o);
  if (!format) throw new UsageError('--format is required (imagefolder, idx or npz)');
  if (!o.out) throw new UsageError('--out is required');
  const out = resolveCliPath(o.out, { flag: '--out', destination: true });
  const rec = await new RunStore(workspace).read(runId);
  if (o.label !== undefined && rec.config.model.kind !== 'cvae') throw new UsageError(`--label needs a CVAE run (this one is ${kindName(rec.config.model.kind)})`);
  const label = labelIndex(o.label, rec.labelNames);
  const temperature = num(o.temperature, 'temperature');
  // The export's own words about a step before its first image (the engine's export:progress
  // `message`: a run saved before fitted priors gets one fitted first), each printed once.
  const said = new Set<string>();
  const engine = await openEngine(o, workspace, (name, payload) => {
    if (name !== 'export:progress') return;
    const { message } = payload as { message?: string };
    if (message && !said.has(message)) {
      said.add(message);
      console.error(message);
    }
  });
  // --data: the run's data is somewhere else now (checked against the run as opening it is).
  const opened = o.data ? await engine.call('runs:locateData', { runId, path: path.resolve(o.data), save: false }) : await openForExport(engine, runId, format, prior, rec);
  // How the data on disk differs from the run's training data (the record's own warnings are the train command's to print).
  for (const w of opened?.warnings ?? []) if (!rec.warnings?.includes(w)) console.error(`warning: ${w}`);
  const r = await engine.call('export:start', {
    runId,
    format: format as ExportRequest['format'],
    count: num(o.count, 'count', true),
    label,
    temperature,
    prior,
    seed: num(o.seed, 'seed', true),
    split,
    out,
    overwrite: !!o.overwrite,
  });
  for (const w of r.warnings ?? []) console.error(`warning: ${w}`);
  const sampled = r.format === 'embeddings' ? undefined : sampledFrom(rec.config.model.kind, prior ?? 'standard', temperature);
  console.log(o.json ? JSON.stringify(r) : exportSummary(r, sampled, split));
  return 0;
}

/**
 * A generated dataset (`--format imagefolder|idx|npz`) of `--count` samples per label in `--out`
 * (`--label NAME`: one class, by its name; `--prior fitted`: from the run's fitted prior, recorded
 * in the manifest). A collapsed run's warning goes to stderr, and so does how the run's data on
 * disk differs from its training data. `--data PATH`: the run's own data moved there (checked
 * against the run; the run record keeps its path).
 * @throws UsageError (missing --run/--format/--out, an unknown --label or --prior), LabError from
 *   the export (EXISTS, INVALID_PAYLOAD, IO, UNSUPPORTED: a fitted prior the run cannot have…).
 */
export function generate(o: Options): Promise<number> {
  return exportRun(o, o.format);
}

/**
 * Projector embeddings in `--out` of the run's test split, or with `--split train|all` its training
 * split or both (training first; the manifest says which, `all` with each split's count). `--data
 * PATH` as `generate`. Errors as `generate`, and UsageError for a bad `--split`.
 */
export function embeddings(o: Options): Promise<number> {
  return exportRun(o, 'embeddings');
}
