/**
 * `latent-lab encode`: the latent mean of each image file, one line per file. A CVAE encodes
 * under a label: `--label NAME`, or else the best-fitting one, which the line names with
 * p(label | image), as the app's Encode tab does.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { kindName } from '../../src-shared/runNames';
import { LabError, type RequestOutput } from '../../src-shared/contract';
import { typicalityVerdict } from '../../src-shared/typicality';
import { RunStore } from '../engine/runs';
import { UsageError, type Options } from './args';
import { locateRun, openEngine } from './engine';
import { labelIndex } from './export';

const MAX_FILE_BYTES = 20 * 1024 * 1024;

type Encoded = RequestOutput<'model:encodeFile'>;

/** p as a percentage in words: "98 %", "> 99 %", "< 1 %" (the app's rounding). */
const pct = (p: number) => `${p >= 0.995 ? '> 99' : p < 0.005 ? '< 1' : (p * 100).toFixed(0)} %`;

/**
 * A CVAE's label for one encoded file: its name, how it was chosen (`given`: `--label`; `best
 * fit`: the likeliest under p(label | image) = softmax of −(negative ELBO)), and for a best fit
 * the probability of each label by name (summing to 1). Null for a model without labels.
 * @param given the `--label` index, when given.
 */
export function encodedLabel(r: Pick<Encoded, 'labelFit'>, labelNames: readonly string[], given: number | undefined): { label: string; chosen: 'given' | 'best fit'; probabilities?: Record<string, number> } | null {
  const name = (k: number) => labelNames[k] ?? String(k);
  if (given !== undefined) return { label: name(given), chosen: 'given' };
  if (!r.labelFit) return null;
  const probabilities: Record<string, number> = {};
  r.labelFit.probabilities.forEach((p, k) => (probabilities[name(k)] = +p.toFixed(4)));
  return { label: name(r.labelFit.label), chosen: 'best fit', probabilities };
}

/**
 * The label column of a text line: `label "7" (given)`, or `label "7" (best fit, 98 % sure;
 * next: "1" 2 %, "9" < 1 %)` with the next two likeliest.
 */
export function labelText(l: NonNullable<ReturnType<typeof encodedLabel>>): string {
  if (l.chosen === 'given' || !l.probabilities) return `label ${JSON.stringify(l.label)} (given)`;
  const ranked = Object.entries(l.probabilities).sort((a, b) => b[1] - a[1]);
  const next = ranked.filter(([n]) => n !== l.label).slice(0, 2);
  const nextText = next.length ? `; next: ${next.map(([n, p]) => `${JSON.stringify(n)} ${pct(p)}`).join(', ')}` : '';
  return `label ${JSON.stringify(l.label)} (best fit, ${pct(l.probabilities[l.label] ?? 0)} sure${nextText})`;
}

/**
 * Encodes every file; a file that fails gets an error line and the others go on. A line is
 * `file<TAB>z…` (`--json`: `{file, z}`), and for a CVAE `<TAB>label "…" (…)` (`--json`: `label`,
 * `labelChosen` "given" | "best fit", `labelProbabilities` {name: p} for a best fit), and its typicality
 * as the app judges it (`model:typicality`): an atypical image gets a `warning:` line on stderr (`--json`:
 * `typical`, `typicality`, the verdict in words).
 * @returns 1 when any file failed, else 0.
 * @throws UsageError without files or `--run`, `--label` on a run without labels or naming no class.
 */
export async function encode(o: Options, files: string[]): Promise<number> {
  const { workspace, runId } = await locateRun(o);
  if (!files.length) throw new UsageError('give one or more image files to encode');
  const rec = await new RunStore(workspace).read(runId);
  if (o.label !== undefined && rec.config.model.kind !== 'cvae') throw new UsageError(`--label needs a CVAE run (this one is ${kindName(rec.config.model.kind)})`);
  const label = labelIndex(o.label, rec.labelNames);
  const engine = await openEngine(o, workspace);
  await engine.call('runs:open', { runId });
  let failed = 0;
  for (const file of files) {
    try {
      const stat = await fs.stat(file);
      if (stat.size > MAX_FILE_BYTES) throw new LabError('TOO_LARGE', `${file} is larger than 20 MB`);
      const bytes = new Uint8Array(await fs.readFile(file));
      const r = await engine.call('model:encodeFile', { name: path.basename(file), bytes, ...(label !== undefined ? { label } : {}) });
      const z = Array.from(r.mean, (v) => +v.toFixed(4));
      const l = encodedLabel(r, rec.labelNames, label);
      // How typical it is, judged as the app's Encode tab judges it (the same label for a CVAE).
      const verdict = typicalityVerdict(await engine.call('model:typicality', { input: r.input, label }));
      if (o.json) {
        const extra = l ? { label: l.label, labelChosen: l.chosen, ...(l.probabilities ? { labelProbabilities: l.probabilities } : {}) } : {};
        console.log(JSON.stringify({ file, z, ...extra, typical: !verdict.flagged, typicality: verdict.text }));
      } else {
        console.log(`${file}\t${z.join(' ')}${l ? `\t${labelText(l)}` : ''}`);
        if (verdict.flagged) console.error(`warning: ${file} does not look like the training data: ${verdict.text}`);
      }
    } catch (err) {
      failed++;
      const msg = err instanceof Error ? err.message : String(err);
      console.log(o.json ? JSON.stringify({ file, error: msg }) : `${file}\terror: ${msg}`);
    }
  }
  return failed ? 1 : 0;
}
