/**
 * Latest-value coalescing for requests driven by a control being dragged (a latent slider, a
 * noise slider): at most one request in flight and at most one started per animation frame;
 * values pushed meanwhile are dropped except the newest, which runs as soon as the one in flight
 * has answered (on the next frame). A value pushed while idle starts on the next frame.
 */

/** Schedules `cb` for the next animation frame (`requestAnimationFrame`; a macrotask without one). */
export function nextFrame(cb: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => cb());
  else setTimeout(cb, 0);
}

export class Coalescer<T> {
  #latest: { value: T } | null = null;
  #scheduled = false;
  #running = false;
  #idle: Array<() => void> = [];
  /** Requests started so far. */
  started = 0;

  /**
   * @param run does the work for one value (its errors are the caller's to catch: a rejection is
   *   swallowed here so the next value still runs).
   * @param schedule when to start the next request (default: the next animation frame).
   */
  constructor(
    private readonly run: (value: T) => Promise<void>,
    private readonly schedule: (cb: () => void) => void = nextFrame,
  ) {}

  /** Whether a request is in flight. */
  get busy(): boolean {
    return this.#running;
  }

  /** Ask for `value`; replaces any value still waiting. */
  push(value: T): void {
    this.#latest = { value };
    this.#kick();
  }

  /** Forget a value still waiting (the one in flight answers anyway). */
  cancel(): void {
    this.#latest = null;
  }

  /** Resolves once nothing is waiting and nothing is in flight. */
  settled(): Promise<void> {
    if (!this.#running && !this.#latest && !this.#scheduled) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  #kick(): void {
    if (this.#scheduled || this.#running || !this.#latest) return;
    this.#scheduled = true;
    this.schedule(() => void this.#step());
  }

  async #step(): Promise<void> {
    this.#scheduled = false;
    const next = this.#latest;
    if (this.#running || !next) return this.#settle();
    this.#latest = null;
    this.#running = true;
    this.started++;
    try {
      await this.run(next.value);
    } catch {
      /* the run reports its own errors */
    } finally {
      this.#running = false;
    }
    this.#kick();
    this.#settle();
  }

  #settle(): void {
    if (this.#running || this.#latest || this.#scheduled) return;
    const waiting = this.#idle;
    this.#idle = [];
    for (const r of waiting) r();
  }
}
