/**
 * Latest-value coalescing for requests driven by a control being dragged (a latent slider, a
 * noise slider): at most one request in flight and at most one started per animation frame;
 * values pushed meanwhile are dropped except the newest, which starts once the one in flight has
 * answered and a new frame has begun. A value pushed while idle starts at once.
 */

/** Schedules `cb` for the next animation frame (`requestAnimationFrame`; a macrotask without one). */
export function nextFrame(cb: () => void): void {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => cb());
  else setTimeout(cb, 0);
}

export class Coalescer<T> {
  #latest: { value: T } | null = null;
  /** A request was started in the current frame (reset by the scheduled frame callback). */
  #frameUsed = false;
  #scheduled = false;
  #running = false;
  #idle: Array<() => void> = [];
  /** Requests started so far. */
  started = 0;

  /**
   * @param run does the work for one value (its errors are the caller's to catch: a rejection is
   *   swallowed here so the next value still runs).
   * @param schedule calls back at the next animation frame (default `requestAnimationFrame`).
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
    this.#settle();
  }

  /** Resolves once nothing is waiting and nothing is in flight. */
  settled(): Promise<void> {
    if (!this.#running && !this.#latest) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  #kick(): void {
    if (this.#running || !this.#latest || this.#frameUsed) return;
    void this.#step();
  }

  /** Mark this frame used; the next frame frees it and starts what waits. */
  #useFrame(): void {
    this.#frameUsed = true;
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.schedule(() => {
      this.#scheduled = false;
      this.#frameUsed = false;
      this.#kick();
    });
  }

  async #step(): Promise<void> {
    const next = this.#latest!;
    this.#latest = null;
    this.#running = true;
    this.#useFrame();
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
    if (this.#running || this.#latest) return;
    const waiting = this.#idle;
    this.#idle = [];
    for (const r of waiting) r();
  }
}
