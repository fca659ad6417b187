/**
 * Which process owns or trains a run (./runs.ts, the run store, and ./runFolderOps.ts): the
 * records jobs of this process own, the end state of runs whose last write failed, and for a
 * record naming another process, whether that trainer still lives and who it is (BUSY when a
 * change or delete would race it).
 */
import { LabError } from '../../src-shared/types';
import { isProcessAlive, isWriterAlive, latentLabProcess } from './pid';
import type { RunRecord } from './runRecord';

/** Keyed by run folder, for every RunStore of this process: */
/** the records that a job of this process owns (a training run's: the one copy every write uses), */
export const live = new Map<string, RunRecord>();
/** and the end state of runs whose last write failed (the file still says `training`). */
export const unsaved = new Map<string, { state: 'error'; error: string }>();

/** When a record read from disk was last written (its config.json's mtime, ms): records with a pid only. */
export const writtenAt = new WeakMap<RunRecord, number>();

/** Whether `pid`, the trainer a record names, still is that process (pid.ts isWriterAlive; no write time: alive). */
export function trainerAlive(pid: number, written: number | undefined): boolean {
  return written === undefined ? isProcessAlive(pid) : isWriterAlive(pid, written);
}

const TRAINER_WORDS = {
  cli: 'the command line (latent-lab train)',
  browser: 'another Latent Lab in a browser',
  window: 'another Latent Lab window',
} as const;

/** Which Latent Lab process `pid` is, in words (pid.ts latentLabProcess); undefined where it cannot be told. */
export function trainerName(pid: number): string | undefined {
  const kind = latentLabProcess(pid);
  return kind && TRAINER_WORDS[kind];
}

/** BUSY when `rec` (interpreted) is being trained by another live process. */
export function refuseIfTrainedElsewhere(rec: RunRecord, what: 'changed' | 'deleted'): void {
  if (!rec.trainedBy) return;
  throw new LabError(
    'BUSY',
    `run "${rec.id}" is being trained by another Latent Lab process (pid ${rec.trainedBy}: ${rec.trainer ?? 'the command line or another window'}); it can be ${what} once that training has ended or been stopped there`,
  );
}
