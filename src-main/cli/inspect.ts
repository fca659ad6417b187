/**
 * `latent-lab inspect --data PATH [--json] [--preview-out DIR]`: the check before training. What
 * the import found — kind, shape, classes with counts, the split, skipped items by reason,
 * preprocessing, warnings — and, with `--preview-out`, sample images of every class exactly as
 * they will be trained, as `<class>/<n>.png`.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { LabError, type RequestOutput } from '../../src-shared/contract';
import type { EngineOptions } from '../engine/engine';
import { resolveCliPath } from '../engine/datasets/ownPath';
import { checkOutputFolder, labelFolderNames } from '../engine/export';
import { encodePng, toBytes } from '../engine/images';
import type { Options } from './args';
import { cliWarning, dataRef, printWarnings } from './data';
import { openEngine, userWorkspace } from './engine';

type Inspected = RequestOutput<'datasets:inspect'>;

/** Images per class in the preview. */
const PREVIEW_PER_CLASS = 8;

/** The `--json` form: `{kind, shape: [H, W, C], classes: [{name, count}], train, test, skipped, warnings}` and a few more. */
export function inspectJson(r: Inspected): Record<string, unknown> {
  const rep = r.report;
  return {
    kind: rep.kind,
    shape: r.info.shape,
    classes: rep.classes.map((c) => ({ name: c.name, count: c.train + c.test })),
    train: r.info.trainCount,
    test: r.info.testCount,
    skipped: rep.skipped,
    ...(rep.skippedExamples ? { skippedFiles: rep.skippedExamples } : {}),
    warnings: rep.warnings.map(cliWarning),
    split: rep.split,
    ...(rep.path ? { path: rep.path } : {}),
    ...(rep.preprocessing ? { preprocessing: rep.preprocessing } : {}),
    ...(rep.verified ? { verified: rep.verified } : {}),
  };
}

/** The widest class name the table shows whole (characters); longer ones are cut with an ellipsis. */
export const CLASS_NAME_COLUMN = 40;

/** `name` cut to `max` characters (code points, never half a character), its last one `…` when cut. */
function cutName(name: string, max: number): string {
  const chars = Array.from(name);
  return chars.length <= max ? name : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * The class table's lines (indented two spaces): a header, one row per class — its name padded
 * to the longest name but at most `maxName` characters wide (a longer name is cut with `…`, so one
 * 300-character name no longer makes every row 300 wide), its train and test counts — and, when
 * names were cut, a last line saying how many and that `--json` lists them in full.
 */
export function classTable(classes: readonly { name: string; train: number; test: number }[], maxName = CLASS_NAME_COLUMN): string[] {
  const len = (s: string) => Array.from(s).length;
  const width = Math.min(maxName, Math.max(5, ...classes.map((k) => len(k.name))));
  const pad = (s: string) => s + ' '.repeat(Math.max(0, width - len(s)));
  const L = [`  ${pad('name')}  train   test`];
  let cut = 0;
  for (const k of classes) {
    const name = cutName(k.name, width);
    if (name !== k.name) cut++;
    L.push(`  ${pad(name)}  ${String(k.train).padStart(5)}  ${String(k.test).padStart(5)}`);
  }
  if (cut) L.push(`  (${cut} ${cut === 1 ? 'name' : 'names'} cut to ${width} characters; \`inspect --json\` lists every class's full name)`);
  return L;
}

/** The report in words, for a terminal. */
export function inspectText(r: Inspected): string {
  const rep = r.report;
  const [h, w, c] = r.info.shape;
  const L = [`${r.info.title}: ${r.info.description}`];
  L.push(`kind: ${rep.kind}${rep.verified ? ` (verified by ${rep.verified === 'sha256' ? 'published SHA-256' : 'IDX structure, not by hash'})` : ''}`);
  if (c !== undefined) L.push(`shape: ${h}×${w}×${c} (${c === 3 ? 'RGB' : 'grey'})`);
  if (rep.preprocessing) L.push(`preprocessing: ${rep.preprocessing}`);
  L.push(`split: ${rep.split === 'given' ? 'as given by the files' : 'seeded 80 / 20'}; train ${r.info.trainCount}, test ${r.info.testCount}`);
  L.push(`classes (${rep.classes.length}):`, ...classTable(rep.classes));
  const skipped = Object.entries(rep.skipped);
  L.push(`skipped: ${skipped.length ? skipped.map(([why, n]) => `${n} ${why}`).join(', ') : 'nothing'}`);
  for (const e of rep.skippedExamples ?? []) L.push(`  ${e}`);
  return L.join('\n');
}

/** Refuses an existing file or non-empty folder; creates the folder otherwise. */
async function previewFolder(dir: string): Promise<void> {
  const st = await fsp.stat(dir).catch(() => null);
  if (st && !st.isDirectory()) throw new LabError('EXISTS', `--preview-out ${dir} is a file: give a new or empty folder`);
  if (st && (await fsp.readdir(dir)).length) throw new LabError('EXISTS', `--preview-out ${dir} is not empty: give a new or empty folder (nothing was written)`);
  await fsp.mkdir(dir, { recursive: true });
}

/** Writes the preview as `<class>/<n>.png` (grey or RGB PNGs of the trained pixels). */
export async function writePreview(r: Inspected, dir: string): Promise<string[]> {
  const p = r.preview;
  const [h, w, c = 1] = p.shape;
  const D = h * w * c;
  const folders = labelFolderNames(r.info.labelNames);
  const counters = new Map<number, number>();
  const written: string[] = [];
  for (let i = 0; i < p.count; i++) {
    const label = p.labels[i];
    const n = counters.get(label) ?? 0;
    counters.set(label, n + 1);
    const rel = path.join(folders[label], `${n}.png`);
    await fsp.mkdir(path.join(dir, folders[label]), { recursive: true });
    await fsp.writeFile(path.join(dir, rel), await encodePng(toBytes(p.images.subarray(i * D, (i + 1) * D)), w, h, c as 1 | 3));
    written.push(rel);
  }
  return written;
}

/** Import progress on a terminal: one redrawn line on stderr. */
function progressLine(tty: boolean): EngineOptions['emit'] {
  return (name, payload) => {
    if (!tty || name !== 'dataset:progress') return;
    const p = payload as { phase: string; loaded: number; total: number };
    if (p.phase === 'ready') process.stderr.write('\r\x1b[K');
    else process.stderr.write(`\r${p.phase === 'download' ? 'downloading' : 'reading'} ${p.loaded}/${p.total}\x1b[K`);
  };
}

/**
 * Imports the data (Ctrl-C cancels), prints the report (text, or JSON with `--json`) and writes
 * the preview when asked. Warnings go to stderr as `warning:` lines (also in the JSON).
 * @throws UsageError for bad options, LabError from the import (BAD_DATASET …), EXISTS for a
 *   non-empty `--preview-out`, INVALID_PAYLOAD for a `--preview-out` at, above or inside the data,
 *   a saved run's data or the workspace.
 */
export async function inspect(o: Options): Promise<number> {
  const ref = dataRef(o);
  const out = o['preview-out'] ? resolveCliPath(o['preview-out'], { flag: '--preview-out', destination: true }) : undefined;
  if (out) {
    // Never inside the data being inspected (the next read would find the preview as one more class), a saved run's data or the workspace.
    const reading = ref.path ? { path: ref.path, what: 'the data being inspected' } : undefined;
    await checkOutputFolder(out, '--preview-out', { workspace: userWorkspace(o), ...(reading ? { reading } : {}) });
    await previewFolder(out);
  }
  const engine = await openEngine(o, undefined, progressLine(process.stderr.isTTY && !o.json));
  const onSig = () => void engine.call('datasets:cancel', {});
  process.once('SIGINT', onSig);
  try {
    const r = await engine.call('datasets:inspect', { dataset: ref, perClass: PREVIEW_PER_CLASS });
    if (o.json) console.log(JSON.stringify(inspectJson(r)));
    else console.log(inspectText(r));
    printWarnings(r.report);
    if (out) {
      const files = await writePreview(r, out);
      if (!o.json) console.log(`preview: ${files.length} images in ${out}`);
    }
    return 0;
  } finally {
    process.off('SIGINT', onSig);
    await engine.dispose();
  }
}
