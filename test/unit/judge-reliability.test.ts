/**
 * One rule for whether the judging classifier's numbers (Fréchet distances, recognised) can be
 * trusted (src-shared/judgeReliability.ts), as the CLI prints it (`train`'s JSON
 * `test.judgeUnreliable`) and Compare applies it (no "closer to the data" verdict). The figures are
 * a fresh tester's: 210 RGB shapes in three folders, a classifier 59.5 % right on 42 test images,
 * whose grey-square samples scored a Fréchet distance of 5.1.
 */
import { describe, expect, it } from 'vitest';
import { JUDGE_MIN_ACCURACY, JUDGE_MIN_TEST_IMAGES, judgeReliability, judgeTooWeak, type JudgeFigures } from '../../src-shared/judgeReliability';
import { judgeUnreliable } from '../../src-main/cli/judge';
import { testJson } from '../../src-main/cli/train';
import { METRIC_ROWS, seedSpreadVerdict, unreliableJudge, winner, withinSeedSpread } from '../../src-renderer/src/state/tabs/compareRules';
import { run } from './renderer/fake-api';

const base = { elbo: 100, recon: 90, kl: 10, activeUnits: 8 };
const weak = { ...base, frechet: 5.1, frechetFitted: 5.1, frechetSamples: 42, reconAccuracy: 0.333, classifierAccuracy: 0.595 };
const mnist = { ...base, frechet: 178.6, frechetSamples: 2000, reconAccuracy: 0.95, classifierAccuracy: 0.988 };

describe('judgeReliability', () => {
  it('a classifier 59.5 % right on 42 test images: not reliable, saying both figures and the chance level', () => {
    const j = judgeReliability(weak, 3);
    expect(j.reliable).toBe(false);
    expect(j.reason).toBe(
      'the judging classifier labels only 59.5 % of the 42 test images correctly (chance 33 %): its features cannot tell good samples from bad; ' +
        "only 42 test images were judged, fewer than the classifier's 128 features whose spread the Fréchet distance compares",
    );
  });

  it('MNIST’s 98.8 % classifier on 2,000 images is reliable; so is a run without the figures', () => {
    expect(judgeReliability(mnist, 10)).toEqual({ reliable: true, reason: null });
    expect(judgeReliability({ ...base, frechet: 80 } as JudgeFigures, 10)).toEqual({ reliable: true, reason: null });
    expect(judgeReliability(null)).toEqual({ reliable: true, reason: null });
  });

  it('each threshold on its own, at its edge; no chance level without a class count', () => {
    expect(judgeReliability({ classifierAccuracy: JUDGE_MIN_ACCURACY, frechetSamples: JUDGE_MIN_TEST_IMAGES }).reliable).toBe(true);
    const lowAcc = judgeReliability({ classifierAccuracy: 0.899, frechetSamples: 2000 });
    expect(lowAcc.reason).toBe('the judging classifier labels only 89.9 % of the 2,000 test images correctly: its features cannot tell good samples from bad');
    const few = judgeReliability({ classifierAccuracy: 1, frechetSamples: JUDGE_MIN_TEST_IMAGES - 1 }, 3);
    expect(few.reason).toMatch(/^only 127 test images were judged, fewer than the classifier's 128 features/);
  });

  it('the status bar’s chip: too weak under 90 %, not when unknown', () => {
    expect(judgeTooWeak(0.595)).toBe(true);
    expect(judgeTooWeak(0.9)).toBe(false);
    expect(judgeTooWeak(undefined)).toBe(false);
  });
});

describe('the CLI prints the reason beside the numbers', () => {
  it('train’s JSON: test.judgeUnreliable for a weak judge, absent for a good one and without classifier numbers', () => {
    expect(testJson(weak, 3)?.judgeUnreliable).toMatch(/^the judging classifier labels only 59\.5 % of the 42 test images correctly \(chance 33 %\)/);
    expect(testJson(mnist, 10)).not.toHaveProperty('judgeUnreliable');
    expect(judgeUnreliable({ ...base, classifierAccuracy: 0.5, frechetSamples: 10 }, 3)).toBeNull();
  });
});

describe('Compare: no verdict on the classifier’s rows when its judge is not reliable', () => {
  const [a, b] = [run('v1', { kind: 'vaegan' }), run('v2', { kind: 'vaegan' })];
  const frechet = METRIC_ROWS.find((r) => r.key === 'frechet')!;
  const recognised = METRIC_ROWS.find((r) => r.key === 'reconAccuracy')!;
  const elbo = METRIC_ROWS.find((r) => r.key === 'elbo')!;
  const grey = { ...weak, elbo: 120 };
  const blobs = { ...weak, frechet: 2.5, frechetFitted: 2.4, reconAccuracy: 0.6 };

  it('5.1 against 2.5 (grey squares against blobs) is not marked closer, and says why once for both', () => {
    expect(winner(frechet, a, b, grey, blobs)).toBeNull();
    expect(winner(recognised, a, b, grey, blobs)).toBeNull();
    expect(withinSeedSpread(frechet, a, b, grey, blobs)).toBe(false);
    expect(seedSpreadVerdict(METRIC_ROWS, a, b, grey, blobs)).toBeNull();
    expect(unreliableJudge(frechet, grey, blobs, 3)).toMatch(/^not reliable for either run: the judging classifier labels only 59\.5 %/);
    // The rows the classifier does not measure keep their verdict.
    expect(unreliableJudge(elbo, grey, blobs, 3)).toBeNull();
    expect(winner(elbo, a, b, grey, blobs)).toBe('b');
  });

  it('a reliable pair keeps its verdict; one weak side is named', () => {
    const better = { ...mnist, frechet: 120 };
    expect(unreliableJudge(frechet, mnist, better)).toBeNull();
    expect(winner(frechet, a, b, mnist, better)).toBe('b');
    expect(unreliableJudge(frechet, mnist, weak, 3)).toMatch(/^not reliable for B: the judging classifier labels only 59\.5 %/);
    expect(winner(frechet, a, b, mnist, weak)).toBeNull();
  });
});
