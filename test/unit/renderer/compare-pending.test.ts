/**
 * A classifier number that reads "pending" (Compare's Fréchet and "recognised" cells, the run's
 * metrics line) says in its tooltip what it waits for (tester finding 5: a bare "pending"): the
 * judging classifier, training in the background at epoch n of N, or computing this run's
 * numbers; and that they fill in by themselves.
 */
import { describe, expect, it } from 'vitest';
import { pendingTip } from '../../../src-renderer/src/state/tabs/compareRules';

describe('"pending": what it waits for', () => {
  it('while the judging classifier trains: that, its epoch, where it shows, and that the numbers come on their own', () => {
    expect(pendingTip({ training: true, epoch: 3, epochs: 30 })).toBe(
      'Waiting for the judging classifier, which trains in the background (epoch 3 of 30; the status bar shows it); its numbers fill in by themselves.',
    );
    // Its epoch not reported yet: no "epoch undefined".
    expect(pendingTip({ training: true })).toBe('Waiting for the judging classifier, which trains in the background (the status bar shows it); its numbers fill in by themselves.');
  });

  it('when it is not training (trained, or paused while a run trains): it computes this run’s numbers', () => {
    const t = pendingTip({ training: false, epoch: 3, epochs: 30 });
    expect(t).toMatch(/^Waiting for the judging classifier, which computes this run's numbers/);
    expect(t).toMatch(/fill in by themselves\.$/);
    expect(t).not.toContain('epoch');
  });
});
