/**
 * Requests that arrive while the engine restarts, held for the new engine instead of failing:
 * at most `limit` of them (more are answered ENGINE_DOWN at once), each for at most `timeoutMs`
 * (then ENGINE_DOWN saying it was not sent).
 */
import type { Response } from '../../src-shared/contract';

interface Held {
  name: string;
  payload: unknown;
  resolve: (r: Response) => void;
  timer: NodeJS.Timeout;
}

const down = (message: string): Response => ({ ok: false, error: { code: 'ENGINE_DOWN', message } });

export class HeldRequests {
  private readonly held: Held[] = [];
  private readonly limit: number;
  private readonly timeoutMs: number;

  /** `limit`: requests held at once; `timeoutMs`: how long each may wait, in ms. */
  constructor(limit: number, timeoutMs: number) {
    this.limit = limit;
    this.timeoutMs = timeoutMs;
  }

  /** Hold a validated request; resolves with the new engine's answer or ENGINE_DOWN. */
  add(name: string, payload: unknown): Promise<Response> {
    if (this.held.length >= this.limit) {
      return Promise.resolve(down(`the engine is restarting and ${this.limit} requests already wait for it; try again when it is ready`));
    }
    return new Promise<Response>((resolve) => {
      const entry: Held = {
        name,
        payload,
        resolve,
        timer: setTimeout(() => {
          const i = this.held.indexOf(entry);
          if (i >= 0) this.held.splice(i, 1);
          resolve(down(`the engine did not restart within ${this.timeoutMs / 1000} s; "${name}" was not sent`));
        }, this.timeoutMs),
      };
      this.held.push(entry);
    });
  }

  /** Hand every held request to `send`, in order, or (with `refusal`) answer each ENGINE_DOWN. */
  release(send: (name: string, payload: unknown) => Promise<Response>, refusal?: string): void {
    for (const h of this.held.splice(0)) {
      clearTimeout(h.timer);
      if (refusal) h.resolve(down(`${refusal}; "${h.name}" was not sent`));
      else void send(h.name, h.payload).then(h.resolve);
    }
  }
}
