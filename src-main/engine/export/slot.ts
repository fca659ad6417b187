/**
 * The engine's one export slot. `run` claims it before its first await (a second start is BUSY,
 * a cancel sent at once is not lost); `cancel` aborts the job AND frees the slot at once, so a
 * job stuck in a file-system call can never hold later exports back. The cancelled request
 * settles when its job has cleaned up, or with CANCELLED after `graceMs` if the job is stuck
 * (the job then cleans up in the background whenever its call returns).
 */
import { LabError } from '../../../src-shared/types';

export class ExportSlot {
  private current: AbortController | null = null;

  constructor(private readonly graceMs = 2000) {}

  get busy(): boolean {
    return this.current !== null;
  }

  /**
   * Run `job` as the one export.
   * @throws LabError BUSY when another export holds the slot; CANCELLED when cancelled and the
   *   job has not settled within the grace time; else whatever the job throws.
   */
  async run<T>(job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.current) throw new LabError('BUSY', 'an export is already running');
    const ac = new AbortController();
    this.current = ac;
    const release = () => {
      if (this.current === ac) this.current = null;
    };
    ac.signal.addEventListener('abort', release, { once: true });
    try {
      const p = job(ac.signal);
      p.catch(() => undefined); // it may settle after we stopped waiting
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise<never>((_, reject) => {
        const arm = () => {
          timer = setTimeout(
            () => reject(new LabError('CANCELLED', 'export cancelled (its last file-system call has not returned; its temp folder is removed when it does)')),
            this.graceMs,
          );
          timer.unref?.();
        };
        if (ac.signal.aborted) arm();
        else ac.signal.addEventListener('abort', arm, { once: true });
      });
      stuck.catch(() => undefined);
      try {
        return await Promise.race([p, stuck]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      release();
    }
  }

  /** Abort the running export (if any) and free the slot. */
  cancel(): void {
    this.current?.abort();
  }
}
