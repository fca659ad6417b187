import { errorText } from '../lib/errors';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

/** Transient messages in the corner; errors stay a little longer. */
export class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  push(kind: Toast['kind'], text: string, ms = kind === 'error' ? 8000 : 4000): void {
    const id = this.#next++;
    this.items.push({ id, kind, text });
    if (this.items.length > 4) this.items.shift();
    setTimeout(() => this.dismiss(id), ms);
  }

  error(err: unknown, prefix?: string): void {
    const text = errorText(err);
    this.push('error', prefix ? `${prefix}: ${text}` : text);
  }

  /** Removes the toasts `pred` matches (what they said no longer holds). */
  dismissWhere(pred: (t: Toast) => boolean): void {
    this.items = this.items.filter((t) => !pred(t));
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}
