/**
 * What the Esc key does (App.svelte's window handler): it closes what is open, and never stops
 * work the user started. A tester clicked a scatter point, pressed Esc to dismiss its card, and
 * the training run stopped (saved as cancelled) while the card stayed open: Esc was both "dismiss"
 * and "Stop". Stopping training (and cancelling an export) stays on their buttons; the one
 * long-running thing Esc still cancels, when nothing is open, is a scatter projection (nothing is
 * lost: it is computed again on the next snapshot or when asked).
 */
import type { Lab } from './lab.svelte';

/** What one Esc press did, for the caller's preventDefault and for tests. */
export type EscapeAction = 'none' | 'close-help' | 'close-selection' | 'cancel-projection';

/**
 * Handle one Esc press, innermost first: the help dialog (`helpOpen`, owned by App.svelte; the
 * caller closes it on 'close-help'), then the scatter selection with what hangs off it (the
 * decoded inset beside the point, its "Nearest training images" strip), then a running
 * projection. While `typing` (focus in an input, select, textarea or editable text) it does
 * nothing: the field's own Esc (a select closing, a rename cancelled) is the user's intent.
 * Never stops, pauses or cancels training, nor cancels an export.
 */
export function pressEscape(lab: Lab, { helpOpen, typing }: { helpOpen: boolean; typing: boolean }): EscapeAction {
  if (helpOpen) return 'close-help';
  if (typing) return 'none';
  const sc = lab.scatter;
  const gen = lab.generate;
  const nb = lab.instruments.neighbours;
  if (sc.selected != null || gen.decoded || gen.decodeError || nb.point || nb.error) {
    sc.selected = null;
    gen.clearDecoded();
    gen.decodeError = null;
    nb.reset();
    return 'close-selection';
  }
  if (sc.projecting) {
    void sc.cancelProjection();
    return 'cancel-projection';
  }
  return 'none';
}
