/**
 * The lock of a judging classifier's training, so that two processes on one workspace (the app
 * and a CLI `train`, two app windows) never train the same classifier from the same checkpoint:
 * `<folder>.training-lock` beside the classifier's cache folder (./store.ts), created exclusively
 * before the checkpoint is read, holding JSON `TrainLockState` — the trainer's pid, and from its
 * first epoch's end, the epoch it is in and its measured time left — rewritten at each epoch's
 * end and removed when the training ends (done, cancelled, failed). A second trainer gets
 * `ClassifierTrainingElsewhere` saying who trains it and how far it is; a lock whose process is
 * gone (or whose pid now belongs to a process started after the lock was last written) is taken
 * over.
 */
import { LabError } from '../../../src-shared/types';
import { writeFileAtomic } from '../atomicWrite';
import { takeLockFile } from '../lockFile';
import { isWriterAlive, latentLabProcess } from '../pid';

/** What a training's lock file holds. */
export interface TrainLockState {
  pid: number;
  /** The dataset's name as the store's events give it (`local`: its file or folder name). */
  dataset: string;
  /** The epoch it trains now (1-based) and of how many; 0 before its checkpoint was read. */
  epoch: number;
  epochs: number;
  /** Seconds left, measured by the trainer at its last epoch's end (none before the first). */
  etaSeconds?: number;
}

/**
 * Said instead of training (BUSY) when another process trains the classifier: the message's
 * sentence ends with `CLASSIFIER_ELSEWHERE_APP_ADVICE`, which the CLI replaces with its own.
 */
export class ClassifierTrainingElsewhere extends LabError {
  constructor(readonly state: TrainLockState) {
    super('BUSY', `${elsewhereText(state)}${CLASSIFIER_ELSEWHERE_APP_ADVICE}`);
  }
}

/** The app's advice after "… is training the judging classifier …" (the CLI gives its own). */
export const CLASSIFIER_ELSEWHERE_APP_ADVICE = '; this run’s numbers come once it has finished (reopen the run, or “Train it” under its metrics)';

/** "m minutes" / "under a minute" / "h h mm min" of a measured time left. */
function left(seconds: number): string {
  if (seconds < 60) return 'under a minute left';
  const m = Math.round(seconds / 60);
  return m < 90 ? `about ${m} ${m === 1 ? 'minute' : 'minutes'} left` : `about ${Math.floor(m / 60)} h ${m % 60} min left`;
}

/**
 * Who trains it and how far it is: "the app (pid 4242) is training the judging classifier of
 * mnist (epoch 9 of 30, about 24 minutes left)"; the time only when the trainer measured it.
 */
export function elsewhereText(s: TrainLockState): string {
  const kind = latentLabProcess(s.pid);
  const who = kind === 'cli' ? 'a command-line `latent-lab` run' : kind === 'browser' ? 'the app in a browser' : kind === 'window' ? 'the app' : 'another Latent Lab process';
  const at = s.epoch > 0 ? ` (epoch ${s.epoch} of ${s.epochs}${s.etaSeconds !== undefined ? `, ${left(s.etaSeconds)}` : ''})` : '';
  return `${who} (pid ${s.pid}) is training the judging classifier of ${s.dataset}${at}`;
}

/** The lock file of the classifier cached in `folder`. */
export const trainLockFile = (folder: string) => `${folder}.training-lock`;

/** A held lock: `update` at an epoch's end, `release` at the training's end (neither throws). */
export interface TrainLock {
  update(s: Partial<Omit<TrainLockState, 'pid'>>): Promise<void>;
  release(): Promise<void>;
}

/** The holder a lock's text names: its JSON `TrainLockState` with a positive integer pid, else null (being written, or broken). */
function parseLock(text: string): TrainLockState | null {
  const j = JSON.parse(text) as TrainLockState;
  return j && Number.isInteger(j.pid) && j.pid > 0 ? j : null;
}

/** A lock file this young that names no process is being written: taken as held. */
const WRITING_MS = 5000;

/**
 * Takes the training lock of the classifier in `folder` for this process (../lockFile.ts: a lock
 * whose process is gone, or whose pid now belongs to a process started after its last write, is
 * taken over; this process's own is too — a training of this process never outlives its release).
 * @throws ClassifierTrainingElsewhere (BUSY) when another live process holds it; LabError BUSY
 *   when one is being taken at this moment; IO-like errors of the file system as they come.
 */
export async function takeTrainLock(folder: string, initial: Omit<TrainLockState, 'pid'>): Promise<TrainLock> {
  const file = trainLockFile(folder);
  let state: TrainLockState = { pid: process.pid, ...initial };
  const lock = await takeLockFile(file, {
    text: JSON.stringify(state),
    parse: parseLock,
    alive: isWriterAlive,
    ownIsHeld: false,
    owner: 'pid',
    writingMs: WRITING_MS,
    held: (holder) => new ClassifierTrainingElsewhere(holder),
    starting: () => new LabError('BUSY', `another process is starting the judging classifier's training of ${initial.dataset}; try again in a moment`),
  });
  return {
    update: async (s) => {
      state = { ...state, ...s };
      if (!(await lock.isMine())) return; // taken over meanwhile (this process was taken for gone): left alone
      await writeFileAtomic(file, JSON.stringify(state)).catch(() => undefined);
    },
    release: lock.release,
  };
}
