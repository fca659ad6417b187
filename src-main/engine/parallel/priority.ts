/**
 * Training threads run at a lower CPU priority than the engine's own thread, the browser-mode
 * server and the UI, so on a busy machine (2 cores: the training pool uses both) the app keeps
 * answering and drawing while a model trains. On an idle machine this costs nothing.
 *
 * Linux only: `setpriority(PRIO_PROCESS, tid)` applies to one thread there, and threads created
 * afterwards (XNNPACK's pool workers) inherit it. Node has no gettid(), so the thread id comes
 * from `/proc/thread-self`. Elsewhere this is a no-op (macOS/Windows would renice the process).
 */
import { readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Nice value of training threads (0 = normal, 19 = lowest). */
export const TRAINING_NICE = 10;

/** Lowers the calling thread's priority; returns its Linux thread id, or null where unsupported. */
export function lowerThisThreadPriority(nice = TRAINING_NICE): number | null {
  if (process.platform !== 'linux') return null;
  try {
    const tid = Number(path.basename(readlinkSync('/proc/thread-self')));
    if (!Number.isInteger(tid) || tid <= 0) return null;
    if (os.getPriority(tid) < nice) os.setPriority(tid, nice);
    return tid;
  } catch {
    return null; // e.g. /proc not mounted, or a sandbox that forbids it: train at normal priority
  }
}
