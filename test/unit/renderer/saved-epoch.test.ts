/**
 * The loss chart's note on a VAE-GAN rolled back to its last healthy epoch: its curves go on past
 * the saved model's epoch (`RunSummary.epochsTrained` over `epochsDone`), and the note says which
 * epoch the model is from and which plotted epochs were not kept; other runs get no note.
 */
import { describe, expect, it } from 'vitest';
import { savedEpochNote } from '../../../src-renderer/src/lib/savedEpoch';

describe('savedEpochNote', () => {
  it('names the saved epoch and the epochs plotted but not kept', () => {
    expect(savedEpochNote({ epochsDone: 3, epochsTrained: 6 })).toEqual({
      saved: 3,
      text: 'The saved model is from epoch 3, the last healthy one; epochs 4–6 are plotted but not kept.',
    });
    expect(savedEpochNote({ epochsDone: 5, epochsTrained: 6 })?.text).toBe('The saved model is from epoch 5, the last healthy one; epoch 6 is plotted but not kept.');
  });

  it('says nothing when the saved model is the last epoch trained, or for no run', () => {
    expect(savedEpochNote({ epochsDone: 6 })).toBeNull();
    expect(savedEpochNote({ epochsDone: 6, epochsTrained: 6 })).toBeNull();
    expect(savedEpochNote(null)).toBeNull();
  });
});
