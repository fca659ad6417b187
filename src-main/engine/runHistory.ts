/**
 * A run's epoch history, read back from its `metrics.jsonl` (one JSON line per finished epoch,
 * written by the training job through `RunStore.appendEpoch`): the loss curves of a saved run.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EpochRecord, type RequestOutput } from '../../src-shared/contract';
import { LabError } from '../../src-shared/types';

/** At most this many epochs are returned (the contract bounds epochs at 10,000). */
export const MAX_HISTORY_EPOCHS = 10_000;

/**
 * The epochs recorded in `<runDir>/metrics.jsonl`, sorted by epoch; a later line for the same epoch
 * replaces an earlier one (a run resumed from a checkpoint). Lines that are not an epoch record
 * (cut short by a kill, edited by hand) are counted in `skipped`, never dropped silently. A run
 * without the file (no epoch finished yet) has an empty history.
 * @throws LabError IO when the file exists but cannot be read.
 */
export async function readRunHistory(runDir: string): Promise<RequestOutput<'runs:history'>> {
  const file = path.join(runDir, 'metrics.jsonl');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { epochs: [], skipped: 0 };
    throw new LabError('IO', `cannot read ${file}: ${code ?? String(err)}`);
  }
  const byEpoch = new Map<number, EpochRecord>();
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    const r = EpochRecord.safeParse(json);
    if (!r.success) {
      skipped++;
      continue;
    }
    byEpoch.set(r.data.epoch, r.data);
  }
  const epochs = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  if (epochs.length > MAX_HISTORY_EPOCHS) {
    skipped += epochs.length - MAX_HISTORY_EPOCHS;
    epochs.length = MAX_HISTORY_EPOCHS;
  }
  return { epochs, skipped };
}
