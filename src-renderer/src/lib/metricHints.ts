/**
 * What a run's summary says beside its metrics: whether the in-app classifier can judge its
 * dataset (so a missing Fréchet distance gets a reason and a "Train it"), and the hint a CVAE with
 * a weak generation accuracy gets.
 */

/** Image sides the in-app classifier takes (engine: classifier/model.ts `classifierLayers`). */
const CLASSIFIER_SIDES = [28, 32, 64];

/** Below this generation accuracy a CVAE's summary suggests more training. */
export const WEAK_GENERATION = 0.8;

/**
 * True when the in-app classifier can judge a dataset of `shape` ([H, W, C]) with `labels`
 * classes: square 28, 32 or 64 px images, grey or colour, at least 2 labels (toy points: false).
 */
export function classifierJudges(shape: readonly number[] | undefined, labels: number): boolean {
  if (!shape || shape.length !== 3) return false;
  const [H, W, C] = shape;
  return H === W && CLASSIFIER_SIDES.includes(H) && (C === 1 || C === 3) && labels >= 2;
}

/**
 * The summary's hint for a CVAE whose generated images the classifier often gives another label
 * (generation accuracy below 80 %); null for other models, a good accuracy, or none measured.
 */
export function generationHint(kind: string, generationAccuracy: number | undefined): string | null {
  if (kind !== 'cvae' || generationAccuracy === undefined || !(generationAccuracy < WEAK_GENERATION)) return null;
  return `Only ${(generationAccuracy * 100).toFixed(0)} % of generated images show the label they were asked for: more epochs or a larger latent usually helps.`;
}

/**
 * The classifier's numbers a run of `kind` gets, named as the summary lists them: a generation
 * accuracy only for a CVAE (the only kind that generates a requested label).
 */
export function classifierMetricNames(kind: string): string {
  return kind === 'cvae' ? 'Fréchet, recognised, generation' : 'Fréchet, recognised';
}
