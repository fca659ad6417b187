/**
 * The training workers of one parallel run: spawns them (./spawn.ts), collects their messages in
 * an inbox the trainer takes from, records the first failure (an error message, a worker that
 * exits or throws) and releases the others at once, and terminates them all at the end.
 */
import type { Worker } from 'node:worker_threads';
import type { SharedControl } from './sharedControl';
import { spawnTrainWorker } from './spawn';
import type { FromWorker, ToWorker, WorkerInit } from './workerMessages';

/** How long workers may take to load tfjs and build their replicas. */
export const WORKER_START_TIMEOUT_MS = 60_000;

/** The workers could not start (missing or broken worker file, no threads…); no step was taken. */
export class TrainWorkersUnavailable extends Error {
  constructor(reason: string) {
    super(`training workers unavailable: ${reason}`);
    this.name = 'TrainWorkersUnavailable';
  }
}

let liveWorkers = 0;
/** Training worker threads currently alive (0 when no parallel run is going on). */
export function activeTrainWorkers(): number {
  return liveWorkers;
}

type Message<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly exited: Promise<void>[] = [];
  private readonly inbox: FromWorker[] = [];
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  /**
   * `onGradients` receives the leader's per-step gradient probes (test hook) as they arrive;
   * every other message waits in the inbox.
   */
  constructor(
    private readonly control: SharedControl,
    private readonly onGradients?: (step: number, grads: Float32Array) => void,
  ) {}

  get size(): number {
    return this.workers.length;
  }

  /** Starts one worker per init (call `close()` afterwards even when this throws). */
  start(inits: WorkerInit[]): void {
    for (const init of inits) this.spawn(init);
  }

  private spawn(init: WorkerInit): void {
    const w = spawnTrainWorker(init);
    liveWorkers++;
    this.exited.push(
      new Promise<void>((res) =>
        w.once('exit', (code) => {
          liveWorkers--;
          if (code !== 0 && !this.control.aborted()) this.fail(new Error(`training worker ${init.index} exited with code ${code}`));
          res();
        }),
      ),
    );
    w.on('message', (m: FromWorker) => {
      if (m.type === 'error') this.fail(new Error(`training worker ${m.index}: ${m.message}`));
      else if (m.type === 'grads') this.onGradients?.(m.step, m.grads);
      else this.inbox.push(m);
      this.wakeUp();
    });
    w.on('error', (err) => this.fail(err instanceof Error ? err : new Error(String(err))));
    this.workers.push(w);
  }

  /** The first failure, if any (set from worker callbacks). */
  get failed(): Error | null {
    return this.failure;
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /** Records the first failure, releases every worker and wakes the trainer. */
  fail(err: Error): void {
    this.failure ??= err;
    this.control.abort();
    this.wakeUp();
  }

  /** Ends a `nextEvent` wait early (something the trainer waits on besides messages happened). */
  wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Waits for a message, a failure or `wakeUp()`, at most `ms`. */
  nextEvent(ms: number): Promise<void> {
    return new Promise<void>((res) => {
      if (this.inbox.length || this.failure) return res();
      const t = setTimeout(() => {
        this.wake = null;
        res();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        res();
      };
    });
  }

  /** Removes and returns the inbox's messages of these types, in arrival order. */
  take<T extends FromWorker['type']>(types: T[]): Message<T>[] {
    const got: Message<T>[] = [];
    for (let i = 0; i < this.inbox.length; ) {
      if ((types as string[]).includes(this.inbox[i].type)) got.push(this.inbox.splice(i, 1)[0] as Message<T>);
      else i++;
    }
    return got;
  }

  /** Sends a message to every worker. */
  broadcast(msg: ToWorker): void {
    for (const w of this.workers) w.postMessage(msg);
  }

  /**
   * Waits until every worker built its replica and said 'ready'. A worker that fails or hangs
   * here never trained a step: throws TrainWorkersUnavailable (the caller can train on its own
   * thread instead).
   */
  async ready(timeoutMs: number = WORKER_START_TIMEOUT_MS): Promise<Message<'ready'>[]> {
    const ready: Message<'ready'>[] = [];
    const startBy = performance.now() + timeoutMs;
    while (ready.length < this.size) {
      await this.nextEvent(1000);
      if (!this.failure && performance.now() > startBy) this.fail(new Error(`the training workers did not start within ${timeoutMs / 1000} s`));
      if (this.failure) throw new TrainWorkersUnavailable(this.failure.message);
      ready.push(...this.take(['ready']));
    }
    return ready;
  }

  /** Waits for one message of `type` from every worker, sorted by worker index. */
  async collect<T extends FromWorker['type']>(type: T): Promise<Message<T>[]> {
    const got: Message<T>[] = [];
    while (got.length < this.size) {
      await this.nextEvent(1000);
      this.throwIfFailed();
      got.push(...this.take([type]));
    }
    return got.sort((a, b) => a.index - b.index);
  }

  /** Releases and terminates every worker; resolves once all have exited. */
  async close(): Promise<void> {
    this.control.abort();
    await Promise.all(this.workers.map((w) => w.terminate()));
    await Promise.all(this.exited);
  }
}
