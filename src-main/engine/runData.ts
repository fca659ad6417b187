/**
 * A saved run and its dataset as it is on disk now: the check that they still agree.
 *
 * A run records at training its label names (the model's class indices), class count, the
 * import's report (per-class train/test counts, how the split was made) and, since this check
 * exists, a content fingerprint (`dataFingerprint`). When the run's data is loaded again (opened
 * in the app, `generate --run`, an export) the folder may have changed: a class folder added or
 * removed, images added or deleted, the folder re-split. `checkRunData` compares what it finds with
 * what the run recorded (old runs without a report or fingerprint on what they have), maps the
 * data's labels onto the RUN's label indices by name (rows of classes the run does not know are
 * left out and counted) and says every difference in one warning sentence.
 *
 * Pure (no I/O): the loaded dataset is never changed; a remapped copy is returned.
 */
import { createHash } from 'node:crypto';
import { LabError, type DatasetReport } from '../../src-shared/types';
import type { LoadedDataset, Split } from './datasets';
import type { RowValues } from './datasets/rows';
import { className } from './datasets/local/classNames';

/** What of a run record the check reads (a `RunRecord` has all of it). */
export interface RunDataRecord {
  inputDim: number;
  numClasses: number;
  shape: number[];
  labelNames: string[];
  datasetReport?: DatasetReport;
  dataFingerprint?: string;
}

/** The run's data as the run sees it, and what differs from its training. */
export interface RunDataCheck {
  /** `data` itself when nothing differs; else a copy with labels as the run's class indices and `info`/`report` saying so. */
  data: LoadedDataset;
  /** One sentence per finding (empty when the data is as it was at training). */
  warnings: string[];
}

/** Rows of each split that go into the fingerprint (evenly spaced, first and last included). */
const FINGERPRINT_ROWS = 64;

/**
 * A cheap content fingerprint of a loaded dataset: SHA-256 (first 16 hex digits) over the label
 * names, both splits' counts and labels, and the values of up to 64 evenly spaced rows of each
 * split. Equal data gives equal fingerprints; added, removed, re-split or replaced images almost
 * always change it. Costs ≈ 1 ms for MNIST.
 */
export function dataFingerprint(data: LoadedDataset): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ labelNames: data.info.labelNames, shape: data.shape, train: data.train.count, test: data.test.count }));
  for (const s of [data.train, data.test]) {
    h.update(new Uint8Array(s.y.buffer, s.y.byteOffset, s.count * 4));
    const D = data.inputDim;
    const n = Math.min(FINGERPRINT_ROWS, s.count);
    for (let k = 0; k < n; k++) {
      const i = n === 1 ? 0 : Math.round((k * (s.count - 1)) / (n - 1));
      const row = s.x.subarray(i * D, (i + 1) * D);
      h.update(new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
    }
  }
  return h.digest('hex').slice(0, 16);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(', ');
const classWord = (names: string[]) => (names.length === 1 ? 'class' : 'classes');

/** Per class name: [train, test] of a report. */
function countsOf(report: DatasetReport): Map<string, [number, number]> {
  return new Map(report.classes.map((c) => [c.name, [c.train, c.test]]));
}

function perClass(s: Split, k: number): number[] {
  const out = new Array<number>(k).fill(0);
  for (let i = 0; i < s.count; i++) out[s.y[i]]++;
  return out;
}

/** The rows of `s` whose class `map` knows, relabelled (`map[y]` ≥ 0); `dropped[y]` counts the others. */
function remapSplit(s: Split, D: number, map: number[], dropped: number[]): Split {
  let keep = 0;
  for (let i = 0; i < s.count; i++) if (map[s.y[i]] >= 0) keep++;
  const x: RowValues = s.x instanceof Uint8Array ? new Uint8Array(keep * D) : new Float32Array(keep * D);
  const y = new Int32Array(keep);
  let j = 0;
  for (let i = 0; i < s.count; i++) {
    const to = map[s.y[i]];
    if (to < 0) {
      dropped[s.y[i]]++;
      continue;
    }
    x.set(s.x.subarray(i * D, (i + 1) * D), j * D);
    y[j++] = to;
  }
  return { x, y, count: keep };
}

/**
 * Checks `data` (the run's dataset as loaded now) against what run `rec` recorded at training.
 * Label names that differ are matched by name onto the run's indices; rows of classes the run
 * does not know are left out (counted in the warning); a run class with no rows left is named.
 * @param where how to name the data in messages (its path, or the dataset id).
 * @throws LabError BAD_DATASET when the inputs no longer fit the model (another shape), or when
 *   none of the run's classes is left in the data.
 */
export function checkRunData(rec: RunDataRecord, data: LoadedDataset, where: string): RunDataCheck {
  if (data.inputDim !== rec.inputDim || data.shape.join('×') !== rec.shape.join('×')) {
    throw new LabError(
      'BAD_DATASET',
      `This run's dataset no longer fits its model: the run was trained on ${rec.shape.join('×')} inputs, ${where} now gives ${data.shape.join('×')}. ` +
        `Point the run at its original data (or import it with the run's settings).`,
    );
  }
  // Class names as the importers give them now (Unicode NFC, datasets/local/classNames.ts): a run
  // saved before kept "café" as the folder spelt it.
  const runNames = rec.labelNames.map(className);
  const dataNames = data.info.labelNames;
  const sameNames = runNames.length === dataNames.length && runNames.every((n, i) => n === dataNames[i]);
  const then = rec.datasetReport;
  const fingerprintNow = rec.dataFingerprint ? dataFingerprint(data) : undefined;
  const contentChanged = fingerprintNow !== undefined && fingerprintNow !== rec.dataFingerprint;

  // A run with a single class and no names (runs saved by versions that kept none) maps nothing.
  const map = sameNames || runNames.length === 0 ? dataNames.map((_, i) => i) : dataNames.map((n) => runNames.indexOf(n));
  const remapped = map.some((to, i) => to !== i);
  const droppedTrain = new Array<number>(dataNames.length).fill(0);
  const droppedTest = new Array<number>(dataNames.length).fill(0);
  const train = remapped ? remapSplit(data.train, data.inputDim, map, droppedTrain) : data.train;
  const test = remapped ? remapSplit(data.test, data.inputDim, map, droppedTest) : data.test;
  const k = Math.max(runNames.length, 1);
  const nowTrain = perClass(train, k);
  const nowTest = perClass(test, k);

  const findings: string[] = [];
  const unknown = dataNames.filter((_, i) => map[i] < 0);
  const leftOut = dataNames.reduce((n, _, i) => n + droppedTrain[i] + droppedTest[i], 0);
  if (unknown.length) findings.push(`${plural(leftOut, 'image')} of the ${classWord(unknown)} ${quoted(unknown)} the run does not know ${leftOut === 1 ? 'is' : 'are'} left out`);
  const gone = runNames.filter((_, c) => nowTrain[c] + nowTest[c] === 0);
  if (gone.length === runNames.length && runNames.length > 0) {
    throw new LabError(
      'BAD_DATASET',
      `This run's dataset changed since it was trained: none of its classes (${quoted(runNames)}) is in ${where} any more (it has ${quoted(dataNames)}). Point the run at its original data.`,
    );
  }
  if (gone.length) findings.push(`the run's ${classWord(gone)} ${quoted(gone)} ${gone.length === 1 ? 'has' : 'have'} no images any more`);
  if (!unknown.length && !gone.length && !sameNames && runNames.length === dataNames.length) findings.push('its classes come in another order now (matched to the run by name)');

  let split = false;
  const totalThen = then ? then.classes.reduce((n, c) => n + c.train + c.test, 0) : undefined;
  if (then) {
    const was = countsOf(then);
    let lost = 0;
    let added = 0;
    let moved = false;
    runNames.forEach((name, c) => {
      const [tr, te] = was.get(name) ?? [0, 0];
      const d = nowTrain[c] + nowTest[c] - (tr + te);
      if (gone.includes(name)) return;
      if (d < 0) lost -= d;
      else added += d;
      if (nowTrain[c] !== tr || nowTest[c] !== te) moved = true;
    });
    if (lost) findings.push(`${plural(lost, 'image')} of the run's classes ${lost === 1 ? 'is' : 'are'} gone`);
    if (added) findings.push(`${plural(added, 'image')} ${added === 1 ? 'was' : 'were'} added to the run's classes`);
    if (moved && !lost && !added && then.split === 'given') findings.push('its images are split into train and test otherwise');
    split = moved || !sameNames;
  }
  // Same classes and counts, other content: files replaced or edited (or decoded otherwise by another version).
  const contentOnly = contentChanged && !findings.length;
  if (contentOnly) findings.push('its images differ from the ones it was trained on (the same classes and counts: files replaced or edited)');
  if (!then && !sameNames) split = true;
  if (split && (then?.split ?? data.report.split) === 'random') {
    findings.push('the test split was drawn anew, so test metrics may include training images');
  } else if ((split || contentOnly) && findings.length) {
    findings.push('test metrics are measured on the data as it is now');
  }

  if (!findings.length && !remapped) return { data, warnings: [] };
  // Now: what the run uses (its classes' images), then what it does not know, e.g. "now 70 of its images in 2 of its classes, and 4 of a class it does not know".
  const knownNow = train.count + test.count;
  const knownClasses = runNames.length ? runNames.length - gone.length : dataNames.length;
  const unknownText = unknown.length ? `, and ${leftOut.toLocaleString('en-US')} of ${unknown.length === 1 ? 'a class' : `${unknown.length} classes`} it does not know` : '';
  const nowText = `${knownNow.toLocaleString('en-US')} of its ${knownNow === 1 ? 'image' : 'images'} in ${knownClasses.toLocaleString('en-US')} of its ${knownClasses === 1 ? 'class' : 'classes'}${unknownText}`;
  const thenText = then ? `${plural(totalThen ?? 0, 'image')} in ${plural(then.classes.length, 'class', 'classes')}` : plural(runNames.length, 'class', 'classes');
  const head = `This run's dataset changed since it was trained (then ${thenText}, now ${nowText})`;
  const warnings = findings.length ? [`${head}: ${findings.join('; ')}.`] : [];

  if (!remapped) return { data: withWarnings(data, warnings), warnings };
  const report: DatasetReport = {
    ...data.report,
    classes: runNames.map((name, c) => ({ name, train: nowTrain[c], test: nowTest[c] })),
  };
  const out: LoadedDataset = {
    ...data,
    relabelled: true,
    train,
    test,
    report,
    info: { ...data.info, labelNames: [...runNames], trainCount: train.count, testCount: test.count, report },
  };
  return { data: withWarnings(out, warnings), warnings };
}

/** A copy of `data` whose info, report and warnings begin with `warnings`. */
function withWarnings(data: LoadedDataset, warnings: string[]): LoadedDataset {
  if (!warnings.length) return data;
  const all = [...warnings, ...(data.warnings ?? [])];
  const report = { ...data.report, warnings: [...warnings, ...data.report.warnings] };
  return { ...data, warnings: all, report, info: { ...data.info, warnings: all, report } };
}
