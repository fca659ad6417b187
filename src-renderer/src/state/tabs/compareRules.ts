/**
 * The Compare tab's rules, pure: the metric rows and which way each is better, when two runs'
 * numbers can be compared at all (different data; a CVAE, given the label, beside a run that is
 * not conditional), which side wins beyond the measurement's noise, the header's question for a
 * pair, and the pair suggested when the tab opens. The tab's state is ./compare.svelte.ts.
 */
import type { Metrics, RunSummary } from '../../lib/contract';
import { posteriorCollapsed } from '../../../../src-shared/collapse';
import { judgeReliability } from '../../../../src-shared/judgeReliability';
import { FRECHET_FITTED_TIP, FRECHET_PRIOR_TIP, GENERATION_FITTED_TIP, GENERATION_TIP } from '../../lib/metricHints';
import { FRECHET_SEED_MARGIN, FRECHET_SEED_SPREAD, beyondEstimatorNoise, clearlyDifferent, type NoiseKind } from '../../lib/metricNoise';
export type MetricKey =
  | 'elbo'
  | 'recon'
  | 'kl'
  | 'activeUnits'
  | 'knnAccuracy'
  | 'frechet'
  | 'frechetFitted'
  | 'reconAccuracy'
  | 'generationAccuracy'
  | 'generationAccuracyFitted';

/** What a "pending" classifier number is waiting for (`pendingTip`): the judging classifier's training, as the status bar reports it. */
export interface PendingClassifier {
  /** It is training now (`ClassifierStatus.active`). */
  training: boolean;
  /** Its epoch and epochs, when reported. */
  epoch?: number;
  epochs?: number;
}

/**
 * The tooltip of a classifier number that reads "pending" (Compare's cells, the run's metrics
 * line), saying what it waits for: while the judging classifier trains, "Waiting for the judging
 * classifier, which trains in the background (epoch 3 of 30; the status bar shows it); its numbers
 * fill in by themselves."; else that it computes this run's numbers (or waits, paused while a run
 * trains). A tester saw a bare "pending" and could not tell what it waited for.
 */
export function pendingTip(c: PendingClassifier): string {
  if (c.training) {
    const at = c.epoch && c.epochs ? `epoch ${c.epoch} of ${c.epochs}; ` : '';
    return `Waiting for the judging classifier, which trains in the background (${at}the status bar shows it); its numbers fill in by themselves.`;
  }
  return "Waiting for the judging classifier, which computes this run's numbers in the background (paused while a run trains); they fill in by themselves.";
}

/** One row of the metrics table: which way is better (null: neither), and whether it applies to a kind. */
export interface MetricRow {
  key: MetricKey;
  title: string;
  better: 'low' | 'high' | null;
  /** An autoencoder has no ELBO and no KL: its cell says so instead of showing a number. */
  variationalOnly: boolean;
  /** How the number is measured, which decides what difference is beyond its noise (../../lib/metricNoise). */
  noise: NoiseKind;
  /** Computed by the in-app classifier (its cells say "pending" while it trains). */
  classifier?: boolean;
  /** The row title's tooltip: what the number is, where its title is short. */
  tip?: string;
  /** A fraction, shown as a percentage. */
  percent?: boolean;
  /** Only a CVAE has it (it generates a requested label): other kinds' cells say so. */
  cvaeOnly?: boolean;
  /**
   * Why a CVAE's number of this row cannot be set beside a non-conditional run's (absent: it can;
   * see `LABEL_GIVEN_RULE`).
   */
  labelGiven?: string;
}

/**
 * The rule for a CVAE beside a run that is not conditional (AE, VAE, VAE-GAN), written once: a
 * CVAE's encoder and decoder are given the true label, so every number measured through its
 * reconstructions or its posterior answers a different question — its −ELBO bounds log p(x | y),
 * not log p(x); its reconstruction error and "reconstructions recognised" come from a decoder told
 * the digit (recognised almost by construction); its z is meant to hold the style, not the label,
 * so a low k-NN accuracy is its goal, not a failure. Those rows are not marked better or worse.
 * The Fréchet distances stay comparable: both runs generate images, judged against the same real
 * test images (the CVAE's samples drawn for every label in turn).
 */
export const LABEL_GIVEN_RULE =
  'A CVAE is given the label: its −ELBO, reconstruction error, k-NN accuracy and reconstructions recognised are not compared with a run that is not conditional; its Fréchet distances are (both generate images).';

const GIVEN = 'the CVAE is given the label';


export const METRIC_ROWS: MetricRow[] = [
  { key: 'elbo', title: 'Negative ELBO (nats)', better: 'low', variationalOnly: true, noise: 'loss', labelGiven: `${GIVEN}: its ELBO bounds log p(x | label), not log p(x) — not comparable` },
  { key: 'recon', title: 'Reconstruction error (nats)', better: 'low', variationalOnly: false, noise: 'loss', labelGiven: `${GIVEN}: its decoder knows the class — not comparable` },
  { key: 'kl', title: 'KL (nats)', better: null, variationalOnly: true, noise: 'loss' },
  { key: 'activeUnits', title: 'Active units', better: null, variationalOnly: false, noise: 'loss' },
  { key: 'knnAccuracy', title: 'k-NN accuracy (k=5)', better: 'high', variationalOnly: false, noise: 'proportion', percent: true, labelGiven: `${GIVEN}: its z is meant to hold the style, not the label (a low k-NN accuracy is its goal) — not comparable` },
  // Image data only (absent for toy data and older runs: the cell shows '—').
  { key: 'frechet', title: 'Fréchet, samples from the prior', better: 'low', variationalOnly: false, noise: 'frechet', classifier: true, tip: FRECHET_PRIOR_TIP },
  { key: 'frechetFitted', title: 'Fréchet, samples from the fitted prior', better: 'low', variationalOnly: false, noise: 'frechet', classifier: true, tip: FRECHET_FITTED_TIP },
  { key: 'reconAccuracy', title: 'Reconstructions recognised (classifier)', better: 'high', variationalOnly: false, noise: 'proportion', classifier: true, percent: true, labelGiven: `${GIVEN}: its reconstructions are recognised almost by construction — not comparable` },
  // CVAE on image data: generated images the classifier gives the label asked for, from each prior.
  { key: 'generationAccuracy', title: 'Generation, samples from the prior', better: 'high', variationalOnly: false, noise: 'proportion', classifier: true, percent: true, cvaeOnly: true, tip: GENERATION_TIP },
  { key: 'generationAccuracyFitted', title: 'Generation, samples from the fitted prior', better: 'high', variationalOnly: false, noise: 'proportion', classifier: true, percent: true, cvaeOnly: true, tip: GENERATION_FITTED_TIP },
];


type Side = Pick<RunSummary, 'config'> | null | undefined;

/** Whether two runs trained on the same data: the same dataset id and (your own data) the same path. */
export const sameData = (a: NonNullable<Side>, b: NonNullable<Side>) =>
  a.config.dataset.id === b.config.dataset.id && (a.config.dataset.path ?? '') === (b.config.dataset.path ?? '');

/**
 * Why a row's numbers cannot be compared across the two runs, in words, or null when they can:
 * both runs must be on the same data (losses in nats depend on the images; k-NN accuracy on the
 * labels); a row that only variational models have (−ELBO, KL) needs both to be variational; a
 * CVAE beside a run that is not conditional follows `LABEL_GIVEN_RULE` (the row's `labelGiven`).
 * A missing side is not comparable ('no run').
 */
export function incomparable(row: MetricRow, a: Side, b: Side): string | null {
  if (!a || !b) return 'no run';
  if (!sameData(a, b)) return 'trained on different data: not compared';
  const kinds = [a.config.model.kind, b.config.model.kind];
  if (row.variationalOnly && kinds.includes('ae')) return 'an autoencoder has no ELBO or KL: not compared';
  if (row.labelGiven && kinds.includes('cvae') && kinds.some((k) => k !== 'cvae')) return row.labelGiven;
  return null;
}

/** Whether a row's numbers can be compared across the two runs (`incomparable` gives none). */
export function comparable(row: MetricRow, a: Side, b: Side): boolean {
  return incomparable(row, a, b) === null;
}

/** Rows of `METRIC_ROWS` not compared because one run is a CVAE and the other is not conditional. */
export function labelGivenRows(a: Side, b: Side): MetricRow[] {
  if (!a || !b || !sameData(a, b)) return [];
  return METRIC_ROWS.filter((r) => r.labelGiven && r.better && incomparable(r, a, b) === r.labelGiven);
}

/** Test images the engine scores k-NN accuracy on at most (engine: metrics.ts, `testN`). */
export const KNN_TEST_LIMIT = 2000;

/**
 * Images a side's number of `row` was measured on, when known: the classifier's numbers use
 * `frechetSamples` images; k-NN accuracy min(test split, 2,000) (`testCount`: the test split's
 * size, when the caller knows it). Undefined otherwise.
 */
function sampleSize(row: MetricRow, m: Metrics, testCount: number | undefined): number | undefined {
  if (row.classifier) return m.frechetSamples;
  if (row.key === 'knnAccuracy' && testCount) return Math.min(testCount, KNN_TEST_LIMIT);
  return undefined;
}

/**
 * Why the classifier's numbers of a row get no verdict for this pair, in words, or null when they
 * can: a row measured by the judging classifier (`row.classifier`) where either side's classifier
 * is not reliable (src-shared/judgeReliability.ts: too weak, or too few test images), e.g. "not
 * reliable for A: the judging classifier labels only 59.5 % of the 42 test images correctly
 * (chance 33 %): …". `classCount`: the dataset's classes (the chance level), when known. Null for
 * other rows and missing metrics.
 */
export function unreliableJudge(row: MetricRow, ma: Metrics | null, mb: Metrics | null, classCount?: number): string | null {
  if (!row.classifier || !ma || !mb) return null;
  const [ja, jb] = [judgeReliability(ma, classCount), judgeReliability(mb, classCount)];
  if (ja.reliable && jb.reliable) return null;
  // One dataset, one classifier: the same reason for both sides is said once.
  if (!ja.reliable && !jb.reliable && ja.reason === jb.reason) return `not reliable for either run: ${ja.reason}`;
  return [!ja.reliable ? `not reliable for A: ${ja.reason}` : null, !jb.reliable ? `not reliable for B: ${jb.reason}` : null].filter(Boolean).join('; ');
}

/**
 * Which side wins the row: only a comparable row with a direction and two numbers that differ by
 * more than the metric's noise (`clearlyDifferent`) has a winner, and a classifier's row only when
 * both sides' judging classifier is reliable (`unreliableJudge`). `testCount`: the size of the
 * (shared) test split when known, for the noise of k-NN accuracy.
 */
export function winner(row: MetricRow, a: Side, b: Side, ma: Metrics | null, mb: Metrics | null, testCount?: number): 'a' | 'b' | null {
  if (!row.better || !ma || !mb || !comparable(row, a, b) || unreliableJudge(row, ma, mb)) return null;
  const x = ma[row.key];
  const y = mb[row.key];
  if (x === undefined || y === undefined) return null;
  const sides = [
    { value: x, n: sampleSize(row, ma, testCount) },
    { value: y, n: sampleSize(row, mb, testCount) },
  ] as const;
  if (!clearlyDifferent(row.noise, sides[0], sides[1])) return null;
  return (row.better === 'low' ? x < y : x > y) ? 'a' : 'b';
}

/**
 * The Compare tab's note on what "better" means for single runs: each side is one run, and a
 * re-seed moves a Fréchet distance by about ±10 % (`FRECHET_SEED_SPREAD`), so one is marked better
 * only past `FRECHET_SEED_MARGIN`.
 */
export const SEED_SPREAD_NOTE = `Each side is one run: training the same settings with another seed moves a Fréchet distance by about ±${Math.round(FRECHET_SEED_SPREAD * 100)} % (nine seeds, README), so one is marked better only when the two differ by more than ${Math.round(FRECHET_SEED_MARGIN * 100)} %. To be sure of a smaller difference, train each setting with a few seeds.`;

/**
 * Whether a comparable Fréchet row's two numbers differ beyond the estimator's noise but not
 * beyond what a re-seed moves one run (`winner` gives none): its cells then say so. False for
 * other rows, a missing number, a row with a winner, or one whose judge is not reliable.
 */
export function withinSeedSpread(row: MetricRow, a: Side, b: Side, ma: Metrics | null, mb: Metrics | null): boolean {
  if (row.noise !== 'frechet' || !ma || !mb || !comparable(row, a, b) || unreliableJudge(row, ma, mb)) return false;
  const [x, y] = [ma[row.key], mb[row.key]];
  if (x === undefined || y === undefined) return false;
  const sides = [
    { value: x, n: ma.frechetSamples },
    { value: y, n: mb.frechetSamples },
  ] as const;
  return beyondEstimatorNoise(sides[0], sides[1]) && !clearlyDifferent('frechet', sides[0], sides[1]);
}

/**
 * What the Compare tab's note (`SEED_SPREAD_NOTE`) adds for this pair: the Fréchet rows among
 * `rows` whose two numbers differ within a re-seed's spread (`withinSeedSpread`), named, as having
 * no verdict — e.g. ` Here “Fréchet, samples from the fitted prior” differs by less than that: no
 * verdict on it.` A row marked better is never named (its difference is past the spread). Null
 * when no row is within the spread.
 */
export function seedSpreadVerdict(rows: readonly MetricRow[], a: Side, b: Side, ma: Metrics | null, mb: Metrics | null): string | null {
  const within = rows.filter((r) => withinSeedSpread(r, a, b, ma, mb)).map((r) => `“${r.title}”`);
  if (!within.length) return null;
  return within.length === 1
    ? ` Here ${within[0]} differs by less than that: no verdict on it.`
    : ` Here ${within.slice(0, -1).join(', ')} and ${within[within.length - 1]} differ by less than that: no verdict on them.`;
}

/**
 * The rows of `METRIC_ROWS` the table shows for the pair: the CVAE-only rows (generation from
 * each prior) only when one of the runs is a CVAE — for any other pair they would be two rows of
 * "n/a (not a CVAE)".
 */
export function shownRows(a: Side, b: Side): MetricRow[] {
  const cvae = [a, b].some((r) => r?.config.model.kind === 'cvae');
  return METRIC_ROWS.filter((r) => !r.cvaeOnly || cvae);
}

/** The Compare tab's header: a question that fits the pair shown, and how to read the answer. */
export interface CompareBlurb {
  question: string;
  body: string;
}

const KIND_NAMES: Record<string, string> = { ae: 'autoencoder', vae: 'VAE', cvae: 'CVAE', vaegan: 'VAE-GAN' };

/**
 * The header for runs of kinds `a` and `b` (`ModelKind`s; null/undefined while none is chosen):
 * an autoencoder beside a variational model asks how their latent spaces differ; a VAE beside a
 * VAE-GAN what the discriminator buys; two runs of one kind what their settings change; any other
 * pair gets a plain description. No pair yet: the autoencoder-vs-VAE question (the tab's purpose).
 */
export function compareBlurb(a: string | null | undefined, b: string | null | undefined): CompareBlurb {
  const same = 'the same test points, cameras linked';
  const kinds = new Set([a, b]);
  if (!a || !b || (kinds.has('ae') && a !== b)) {
    return {
      question: "How does a VAE's latent space differ from a plain autoencoder's?",
      body: `Train one of each with the same latent size, then compare them here: ${same}. The VAE's points fill a round cloud around 0 (its prior); the autoencoder's spread wherever they fall.`,
    };
  }
  if (kinds.has('vaegan') && (kinds.has('vae') || kinds.has('cvae'))) {
    return {
      question: 'What does the discriminator buy?',
      body: `A VAE-GAN is a VAE whose decoder also learns to fool a discriminator: look for sharper samples (a lower Fréchet distance) with reconstructions still recognised; ${same}.`,
    };
  }
  if (a === b) {
    const name = KIND_NAMES[a] ?? a;
    return {
      question: `What do the settings of these two ${name}s change?`,
      body: `The same kind of model, trained differently (latent size, β, epochs…): ${same}.`,
    };
  }
  return {
    question: `A ${KIND_NAMES[a] ?? a} beside a ${KIND_NAMES[b] ?? b}`,
    body: `Two kinds of model on ${same}.`,
  };
}

/** Kinds in the order a pair shows them (A first): the simpler model on the left. */
const KIND_ORDER: Record<string, number> = { ae: 0, vae: 1, cvae: 2, vaegan: 3 };

/**
 * How telling a pair of kinds is: a VAE and a VAE-GAN 3 (what the discriminator buys), an AE and a
 * variational run 2, two of one kind 1, else 0 (a CVAE beside another kind: most rows are not
 * compared, `LABEL_GIVEN_RULE`).
 */
function kindScore(a: string, b: string): number {
  const k = new Set([a, b]);
  if (k.has('vaegan') && k.has('vae')) return 3;
  if (k.has('ae') && k.size === 2) return 2;
  return a === b ? 1 : 0;
}

/**
 * The pair the Compare tab suggests from `runs` (newest first; finished runs without errors),
 * as [A, B] ids (null when fewer than two). Pairs are ranked, in this order, by: the same data
 * (runs on different data are not compared at all); containing the open run `openId` (the run the
 * user just trained or opened is the one they want to see compared); how many of the two collapsed
 * (`posteriorCollapsed`: fewer is better, a collapsed run's numbers say little — so the open run's
 * partner is a healthy run; near-identical samples alone do not count here: every run of a step or
 * two has them, and those are often the runs a user just trained to compare); a telling pair of
 * kinds (`kindScore`); recency (the newer pair). A is the simpler
 * kind (AE, VAE, CVAE, VAE-GAN), else the open run, else the newer.
 */
export function suggestPair(runs: readonly RunSummary[], openId: string | null): [string | null, string | null] {
  if (runs.length < 2) return [runs[0]?.id ?? null, null];
  const collapsed = runs.map((r) => (posteriorCollapsed(r.config.model.kind, r.metrics) ? 1 : 0));
  let best: { key: number[]; i: number; j: number } | null = null;
  for (let i = 0; i < runs.length; i++) {
    for (let j = i + 1; j < runs.length; j++) {
      const [a, b] = [runs[i], runs[j]];
      const key = [
        sameData(a, b) ? 1 : 0,
        a.id === openId || b.id === openId ? 1 : 0,
        -(collapsed[i] + collapsed[j]),
        kindScore(a.config.model.kind, b.config.model.kind),
        -(i + j),
      ];
      if (!best || isAfter(key, best.key)) best = { key, i, j };
    }
  }
  const [a, b] = [runs[best!.i], runs[best!.j]];
  const ka = KIND_ORDER[a.config.model.kind] ?? 9;
  const kb = KIND_ORDER[b.config.model.kind] ?? 9;
  const swap = ka !== kb ? kb < ka : b.id === openId;
  return swap ? [b.id, a.id] : [a.id, b.id];
}

/** Lexicographic `x > y` of two equally long number arrays. */
function isAfter(x: number[], y: number[]): boolean {
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return x[k] > y[k];
  return false;
}
