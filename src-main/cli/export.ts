/** `latent-lab generate` and `latent-lab embeddings`: exports from a saved run (`export:start`). */
import path from 'node:path';
import type { ExportRequest } from '../../src-shared/types';
import { num, UsageError, type Options } from './args';
import { locateRun, openEngine } from './engine';

async function exportRun(o: Options, format: string | undefined): Promise<number> {
  const { workspace, runId } = await locateRun(o);
  const engine = await openEngine(o, workspace);
  await engine.call('runs:open', { runId });
  if (!format) throw new UsageError('--format is required (imagefolder, idx or npz)');
  if (!o.out) throw new UsageError('--out is required');
  const r = await engine.call('export:start', {
    runId,
    format: format as ExportRequest['format'],
    count: num(o.count, 'count', true),
    label: num(o.label, 'label', true),
    temperature: num(o.temperature, 'temperature'),
    seed: num(o.seed, 'seed', true),
    out: path.resolve(o.out),
    overwrite: !!o.overwrite,
  });
  console.log(o.json ? JSON.stringify(r) : `wrote ${r.total} ${format} samples to ${r.out}`);
  return 0;
}

/**
 * A generated dataset (`--format imagefolder|idx|npz`) of `--count` samples per label in `--out`.
 * @throws UsageError (missing --run/--format/--out), LabError from the export (EXISTS, INVALID_PAYLOAD, IO…).
 */
export function generate(o: Options): Promise<number> {
  return exportRun(o, o.format);
}

/** Projector embeddings of the run's test split in `--out`. Errors as `generate`. */
export function embeddings(o: Options): Promise<number> {
  return exportRun(o, 'embeddings');
}
