/**
 * A CVAE asked for twenty 7s that draws mostly other digits (fresh-tester report F4.1): the Generate
 * tab says so with the run summary's words once the classifier has judged the run, and says the
 * number is not known yet while that classifier trains; a VAE, or a CVAE that draws its labels, gets
 * no note.
 */
import { describe, expect, it } from 'vitest';
import { generationNote } from '../../../src-renderer/src/lib/generateText';
import { generationHint } from '../../../src-renderer/src/lib/metricHints';

describe('Generate: how often a CVAE draws the label asked for', () => {
  it('a 5-epoch CVAE at 34.5 %: the summary’s words, "Only 35 % of generated images show the label they were asked for"', () => {
    const note = generationNote('cvae', { generationAccuracy: 0.345 }, 'standard', false);
    expect(note).toEqual({ tone: 'low', text: generationHint('cvae', 0.345) });
    expect(note!.text).toMatch(/^Only 35 % of generated images show the label they were asked for/);
  });

  it('with "where the data lies" chosen, the accuracy of samples from the fitted mixture is the one judged', () => {
    const m = { generationAccuracy: 0.345, generationAccuracyFitted: 0.91 };
    expect(generationNote('cvae', m, 'fitted', false)).toBeNull();
    expect(generationNote('cvae', { ...m, generationAccuracyFitted: 0.5 }, 'fitted', false)!.text).toMatch(/^Only 50 %/);
  });

  it('not measured yet while the judging classifier trains: says so; not measured and not coming: nothing', () => {
    const pending = generationNote('cvae', { generationAccuracy: undefined }, 'standard', true);
    expect(pending!.tone).toBe('pending');
    expect(pending!.text).toMatch(/not known yet: the in-app classifier that judges them is still training/);
    expect(generationNote('cvae', null, 'standard', true)!.tone).toBe('pending');
    expect(generationNote('cvae', {}, 'standard', false)).toBeNull();
  });

  it('a CVAE that draws its labels (92 %), or a VAE, gets no note', () => {
    expect(generationNote('cvae', { generationAccuracy: 0.92 }, 'standard', false)).toBeNull();
    expect(generationNote('vae', { generationAccuracy: 0.1 }, 'standard', true)).toBeNull();
    expect(generationNote(undefined, null, 'standard', true)).toBeNull();
  });
});
