/**
 * Whether the in-app classifier's numbers of a run (its Fréchet distances, "recognised",
 * generation accuracy) can be trusted, one rule for the renderer (the run's metrics line,
 * Compare, the status bar's classifier chip) and the CLI (`train`'s JSON and stderr).
 *
 * Those numbers are measured in the judging classifier's features and by its labels: a classifier
 * that cannot tell the dataset's classes apart has features that cannot tell a good sample from a
 * bad one. Measured (a fresh tester, 210 RGB 32×32 shapes in three class folders, conv VAE-GAN
 * z 8): a classifier labelling 59.5 % of the 42 test images correctly (chance 33 %) gave a
 * 1-epoch run whose every sample was the same grey square a Fréchet distance of 5.1, and a
 * 30-epoch run of blurry blobs 2.5 — while MNIST's readable VAE-GAN scores 178.6 with a 98.8 %
 * classifier. Pure TypeScript, no imports.
 */

/**
 * Below this test accuracy (a fraction) the judging classifier's numbers are not reliable. The
 * in-app CNN reaches 98.8 % on the embedded MNIST's test digits (README); a classifier that gets
 * one image in ten wrong confuses whole classes, and its features with them.
 */
export const JUDGE_MIN_ACCURACY = 0.9;

/**
 * Fewer test images than this and the judging classifier's numbers are not reliable: the
 * classifier's features have 128 dimensions (engine: classifier/model.ts, Dense 128), and the
 * Fréchet distance compares their covariance, which fewer images than dimensions cannot estimate
 * (its rank is at most images − 1); the accuracy of so few images is itself uncertain (one image
 * of 42 is 2.4 %).
 */
export const JUDGE_MIN_TEST_IMAGES = 128;

/** The figures the rule reads (a run's `Metrics`, or any part of it). */
export interface JudgeFigures {
  /** The judging classifier's accuracy (a fraction) on the real test images it judged. */
  classifierAccuracy?: number;
  /** How many real test images it judged (`Metrics.frechetSamples`). */
  frechetSamples?: number;
}

/** The verdict: `reason` (null when reliable) says why not, in words, with the figures. */
export interface JudgeReliability {
  reliable: boolean;
  reason: string | null;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/**
 * Whether the classifier numbers of `m` are reliable. Not reliable when its `classifierAccuracy`
 * is under `JUDGE_MIN_ACCURACY`, or its `frechetSamples` under `JUDGE_MIN_TEST_IMAGES`; the reason
 * names the figures, e.g. "the judging classifier labels only 59.5 % of the 42 test images
 * correctly (chance 33 %): its features cannot tell good samples from bad". `classCount`: the
 * dataset's classes, for the chance level (omitted when unknown or under 2). Reliable (reason
 * null) when `m` is null or holds neither figure (runs saved before they were recorded: nothing to
 * judge by).
 */
export function judgeReliability(m: JudgeFigures | null | undefined, classCount?: number): JudgeReliability {
  const acc = m?.classifierAccuracy;
  const n = m?.frechetSamples;
  const images = n === undefined ? 'test images' : `${n.toLocaleString('en-US')} test images`;
  const reasons: string[] = [];
  if (acc !== undefined && acc < JUDGE_MIN_ACCURACY) {
    const chance = classCount && classCount >= 2 ? ` (chance ${Math.round(100 / classCount)} %)` : '';
    reasons.push(`the judging classifier labels only ${pct(acc)} of the ${images} correctly${chance}: its features cannot tell good samples from bad`);
  }
  if (n !== undefined && n < JUDGE_MIN_TEST_IMAGES) {
    reasons.push(`only ${images} were judged, fewer than the classifier's ${JUDGE_MIN_TEST_IMAGES} features whose spread the Fréchet distance compares`);
  }
  if (!reasons.length) return { reliable: true, reason: null };
  return { reliable: false, reason: reasons.join('; ') };
}

/**
 * True when a judging classifier of test accuracy `accuracy` (a fraction) is too weak to judge
 * (under `JUDGE_MIN_ACCURACY`): the status bar's classifier chip is then not green. False when
 * unknown.
 */
export function judgeTooWeak(accuracy: number | undefined): boolean {
  return accuracy !== undefined && accuracy < JUDGE_MIN_ACCURACY;
}
