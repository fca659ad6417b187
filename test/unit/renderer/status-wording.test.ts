/**
 * Renderer polish a new user hit: the status bar's classifier line (training, ready with its
 * accuracy, off, failed), words that follow the data ("digit" only for digit datasets, the drawing
 * pad in colour for colour models), and the own-data panel after opening a run (no report about
 * another folder under the run's path).
 */
import { describe, expect, it, vi } from 'vitest';
import type { DatasetInfo, RunSummary } from '../../../src-shared/types';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { ClassifierStatus } from '../../../src-renderer/src/state/classifier.svelte';
import { classifierSummary, type ClassifierFacts } from '../../../src-renderer/src/lib/statusText';
import { dataWords, isDigitDataset } from '../../../src-renderer/src/lib/wording';
import { fmtEtaShort } from '../../../src-renderer/src/lib/format';
import { engineWith, FakeApi, MNIST, run } from './fake-api';

const IDLE: ClassifierFacts = { active: false, label: '', stopped: false, failed: false, note: null, ready: null };
const CTX = { enabled: true, dataset: 'mnist', isImage: true };

describe('status bar: the judging classifier', () => {
  it('says training, then ready with its test accuracy once a training for the data on screen finished', () => {
    const clf = new ClassifierStatus(new FakeApi());
    clf.onProgress({ dataset: 'mnist', state: 'training', epoch: 3, epochs: 30 });
    expect(classifierSummary(clf, CTX)).toMatchObject({ state: 'training', text: 'training the judging classifier for mnist: epoch 3/30' });
    clf.onProgress({ dataset: 'mnist', state: 'done', testAccuracy: 0.9876 });
    expect(classifierSummary(clf, CTX)).toMatchObject({ state: 'ready', text: 'Classifier ready (98.8 %)' });
    // Another dataset on screen: this classifier says nothing about it.
    expect(classifierSummary(clf, { ...CTX, dataset: 'fashion-mnist' }).state).toBe('none');
  });

  it('says how long the classifier still needs once the engine has an estimate, beside its words (status-eta.test.ts: smoothing)', () => {
    let t = 0;
    const clf = new ClassifierStatus(new FakeApi(), () => t);
    clf.onProgress({ dataset: 'mnist', state: 'training', epoch: 1, epochs: 30 });
    expect(clf.label).toBe('training the judging classifier for mnist: epoch 1/30');
    expect(fmtEtaShort(clf.etaSeconds)).toBe('');
    t = 40_000;
    clf.onProgress({ dataset: 'mnist', state: 'training', epoch: 3, epochs: 30, etaSeconds: 560 });
    expect(clf.label).toBe('training the judging classifier for mnist: epoch 3/30');
    expect(fmtEtaShort(clf.etaSeconds)).toBe('~9 min left');
    t = 580_000;
    clf.onProgress({ dataset: 'mnist', state: 'training', epoch: 30, epochs: 30, etaSeconds: 15 });
    expect(fmtEtaShort(clf.etaSeconds)).toBe('<1 min left');
    // A new training (after a cancel) starts without an estimate.
    clf.onProgress({ dataset: 'mnist', state: 'cancelled' });
    clf.onProgress({ dataset: 'mnist', state: 'training', epoch: 12, epochs: 30 });
    expect(clf.label).toBe('training the judging classifier for mnist: epoch 12/30');
    expect(clf.etaSeconds).toBeNull();
  });

  it('a run that carries the classifier accuracy makes it ready; cancelled or switched off says off; failed says why', () => {
    expect(classifierSummary(IDLE, { ...CTX, runAccuracy: 0.97 })).toMatchObject({ state: 'ready', text: 'Classifier ready (97.0 %)' });
    expect(classifierSummary(IDLE, CTX).state).toBe('none');
    expect(classifierSummary({ ...IDLE, stopped: true }, { ...CTX, runAccuracy: 0.97 })).toMatchObject({ state: 'off', text: 'Judging classifier off' });
    expect(classifierSummary(IDLE, { ...CTX, enabled: false })).toMatchObject({ state: 'off' });
    expect(classifierSummary({ ...IDLE, failed: true, note: 'out of memory' }, CTX)).toMatchObject({ state: 'failed', text: 'out of memory' });
    // 2-D points are not judged: nothing to say about it.
    expect(classifierSummary(IDLE, { ...CTX, isImage: false, runAccuracy: 0.9 }).state).toBe('none');
  });
});

const SHAPES = { id: 'local', isImage: true, shape: [32, 32, 3], labelNames: ['blue_triangle', 'green_square', 'red_circle'] };

describe('wording follows the data', () => {
  it('"digit" only for digit datasets', () => {
    expect(isDigitDataset(MNIST)).toBe(true);
    expect(dataWords(MNIST)).toMatchObject({ noun: 'digit', aNoun: 'a digit', pad: 'ink' });
    // Own grey data whose classes are 0–9 are digits too; other classes are not.
    expect(dataWords({ id: 'local', isImage: true, shape: [28, 28, 1], labelNames: MNIST.labelNames }).noun).toBe('digit');
    expect(dataWords({ id: 'fashion-mnist', isImage: true, shape: [28, 28, 1], labelNames: ['T-shirt/top', 'Trouser'] }).noun).toBe('image');
    const shapes = dataWords(SHAPES);
    expect(shapes).toMatchObject({ noun: 'image', aNoun: 'an image' });
    expect(shapes.cvaeStyle).not.toMatch(/digit/);
    expect(dataWords({ id: 'moons', isImage: false, shape: [2], labelNames: ['a', 'b'] }).noun).toBe('point');
  });

  it('the drawing pad draws in colour for a colour model, light ink on black for a grey one', () => {
    expect(dataWords(SHAPES).pad).toBe('colour');
    expect(dataWords({ ...SHAPES, shape: [32, 32, 1] }).pad).toBe('ink');
  });
});

describe('own-data panel after opening a run', () => {
  const REPORT = (name: string) => ({ kind: 'imagefolder' as const, classes: [{ name, train: 8, test: 2 }], skipped: {}, warnings: [], split: 'random' as const });
  const info = (name: string): DatasetInfo => ({ ...MNIST, id: 'local', labelNames: [name], report: REPORT(name) });

  async function labWithLocalRun() {
    const r: RunSummary = run('own');
    r.config = { ...r.config, dataset: { id: 'local', path: '/data/run-folder' } };
    let answerPrepare!: () => void;
    const api = engineWith([r])
      .handle('datasets:inspect', ({ dataset }) => ({
        info: info(dataset.path === '/data/run-folder' ? 'runs-class' : 'other-class'),
        report: REPORT(dataset.path === '/data/run-folder' ? 'runs-class' : 'other-class'),
        preview: { images: new Float32Array(0), count: 0, shape: [28, 28, 1], labels: new Int32Array(0) },
      }))
      .handle('datasets:prepare', () => new Promise<DatasetInfo>((resolve) => (answerPrepare = () => resolve(info('runs-class')))));
    const lab = new Lab(api, null);
    lab.start();
    await vi.waitFor(() => expect(lab.engine.state).toBe('ready'));
    return { lab, api, answerPrepare: () => answerPrepare() };
  }

  it('a report about another folder is cleared, the path is the run’s, then its dataset’s report shows', async () => {
    const { lab, answerPrepare } = await labWithLocalRun();
    lab.settings.train.dataset = 'local';
    lab.settings.train.folderPath = '/data/other';
    await lab.datasetCheck.check('/data/other', lab.settings.train.import);
    expect(lab.datasetCheck.report?.classes[0].name).toBe('other-class');

    await lab.openRun('own');
    expect(lab.settings.train.folderPath).toBe('/data/run-folder');
    // Nothing about /data/other is left under the run's path.
    expect(lab.datasetCheck.report).toBeNull();
    expect(lab.datasetCheck.usedBy).toEqual({ runName: 'run own', path: '/data/run-folder' });
    expect(lab.datasetCheck.stateFor('/data/run-folder', lab.settings.train.import)).toBeNull();

    answerPrepare();
    await vi.waitFor(() => expect(lab.datasetCheck.report?.classes[0].name).toBe('runs-class'));
    expect(lab.datasetCheck.fromRun).toBe(true);
    expect(lab.datasetCheck.isFor('/data/run-folder', lab.settings.train.import)).toBe(true);

    // Check shows the folder's own report, with its samples.
    await lab.datasetCheck.check('/data/run-folder', lab.settings.train.import);
    expect(lab.datasetCheck.fromRun).toBe(false);
    expect(lab.datasetCheck.usedBy).toBeNull();
    expect(lab.datasetCheck.preview).not.toBeNull();
  });
});

describe('loss chart axes', () => {
  it('a y axis is as wide as its widest tick label plus the ticks, so "2,000" is not clipped', async () => {
    const { axisWidth, lossChartOptions } = await import('../../../src-renderer/src/lib/lossChart');
    const measure = (t: string) => t.length * 6.5; // 6.5 px per character
    expect(axisWidth(['0', '1,000', '2,000'], measure, 4, 5)).toBeGreaterThanOrEqual(5 * 6.5 + 4 + 5);
    expect(axisWidth(['0', '10,000'], measure, 4, 5)).toBeGreaterThan(axisWidth(['0', '2,000'], measure, 4, 5));
    // Every shown y axis of both panels sizes itself from its labels (no fixed width that clips them).
    for (const panel of ['loss', 'gan'] as const) {
      const o = lossChartOptions(270, 150, false, { kl: true, gan: true }, panel);
      const yAxes = o.axes!.slice(1).filter((a) => a.show !== false);
      expect(yAxes).toHaveLength(2); // the lower panel: discriminator and generator (left), feature (right)
      for (const a of yAxes) expect(typeof a.size).toBe('function');
    }
  });
});
