/**
 * The import report says why it preprocesses as it does, in words a user follows: images already
 * in MNIST form need "no MNIST-style processing" (a fresh user read "21 look like ink drawings, 21
 * already in MNIST form" and then "plain", and could not tell why), and "plain" says it crops and
 * resizes only where needed (another read "centre-cropped … resized to 28×28" next to "used as they
 * are" for images that were 28×28 already).
 */
import { describe, expect, it } from 'vitest';
import { describePreprocessing, resolveImport, type SampleStats } from '../../src-main/engine/datasets/local/imageFiles';

const AUTO = { size: 'auto', channels: 'auto', fit: 'crop', preprocess: 'auto', transpose: false } as const;
const stats = (o: Partial<SampleStats>): SampleStats => ({ decoded: 32, ink: 0, colour: 0, medianSide: 28, mnistForm: 0, ...o });

describe('the preprocessing in the import report', () => {
  it('already in MNIST form: plain, says no MNIST-style processing is needed, and crops/resizes only where needed', () => {
    const s = stats({ ink: 21, mnistForm: 21 });
    const r = resolveImport(AUTO, s);
    expect(r.preprocess).toBe('plain');
    const text = describePreprocessing(r, s);
    expect(text).toMatch(/^plain: centre-cropped to a square where not square, resized to 28×28 where not that size, grey\. Why: 21 of 32 sample images are already in MNIST form .*: no MNIST-style processing needed\.$/);
    expect(text).not.toMatch(/\(.*\(/); // no brackets in brackets
  });

  it('ink on paper: MNIST-style, and says why; colour and photos say theirs; a user’s choice is named', () => {
    const ink = stats({ ink: 30 });
    expect(describePreprocessing(resolveImport(AUTO, ink), ink)).toMatch(/^MNIST-style: .*Why: 30 of 32 sample images look like ink drawings on paper: turned into MNIST form\.$/);
    const colour = stats({ colour: 8, medianSide: 40 });
    expect(describePreprocessing(resolveImport(AUTO, colour), colour)).toMatch(/Why: 8 of 32 sample images have colour/);
    const photos = stats({ ink: 2 });
    expect(describePreprocessing(resolveImport(AUTO, photos), photos)).toMatch(/Why: 30 of 32 sample images are not ink drawings/);
    const chosen = resolveImport({ ...AUTO, preprocess: 'plain' }, ink);
    expect(describePreprocessing(chosen, ink)).toMatch(/Why: as chosen \(from the 32 sample images, auto would pick mnist-style\)\.$/);
  });
});
