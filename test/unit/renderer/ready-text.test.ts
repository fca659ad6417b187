/**
 * The empty scatter's headline names the dataset the Train form has selected: with "Your own
 * data" chosen and nothing trained it never says "The embedded MNIST is ready".
 */
import { describe, expect, it } from 'vitest';
import { pathBaseName, readyText, noModelText } from '../../../src-renderer/src/lib/readyText';
import { DatasetCheck } from '../../../src-renderer/src/state/dataset-check.svelte';
import { DEFAULT_IMPORT, Settings } from '../../../src-renderer/src/state/settings.svelte';
import { FakeApi, labError, MNIST } from './fake-api';

const mnist = { id: 'mnist', title: 'MNIST (10,000)', available: true, isImage: true };
const local = { id: 'local', title: 'Your own data', available: false, isImage: true };

describe('readyText', () => {
  it('own data: names the folder (or asks for one), never MNIST', () => {
    expect(readyText('local', local, '/home/me/shapes/').headline).toBe('Your data “shapes” is selected — press Check, then Train');
    expect(readyText('local', local, 'C:\\data\\cats').headline).toContain('“cats”');
    expect(readyText('local', local, '  ').headline).toBe('Choose your data on the left (a folder or a dataset file), then press Train');
    for (const p of ['', '/x/y']) expect(readyText('local', local, p).headline).not.toMatch(/MNIST/);
  });

  it('own data after a Check: says what was found, or what is wrong — never "press Check" again', () => {
    const shapes = '/home/me/shapes';
    expect(readyText('local', local, shapes, { state: 'busy' }).headline).toBe('Checking your data “shapes”…');
    expect(readyText('local', local, shapes, { state: 'ok', items: 1234, classes: 3, shape: '28×28 grey', isImage: true }).headline).toBe(
      'Your data “shapes”: 1,234 images in 3 classes, 28×28 grey — press Train',
    );
    const points = readyText('local', local, '/d/points.csv', { state: 'ok', items: 1, classes: 1, shape: '2 values', isImage: false });
    expect(points).toMatchObject({ headline: 'Your data “points.csv”: 1 item in 1 class, 2 values — press Train', noun: 'test point' });
    // One class: a CVAE would be refused, so the suggested start is a VAE.
    expect(points.start).toBe('the VAE with a 2- or 3-D latent is a good start; a CVAE needs labels');
    // Several classes: the card suggests what the form holds (a VAE), and what a CVAE adds.
    expect(readyText('local', local, shapes, { state: 'ok', items: 9, classes: 3, shape: '28×28 grey', isImage: true }).start).toMatch(/^the VAE .*Conditional VAE also lets you pick the label/);
    const bad = readyText('local', local, shapes, { state: 'error', message: 'no images found in /home/me/shapes' }).headline;
    expect(bad).toBe('Your data “shapes” could not be read: no images found in /home/me/shapes — fix it on the left and press Check again');
    expect(readyText('local', local, shapes, { state: 'error', message: 'x'.repeat(500) }).headline.length).toBeLessThan(250);
    for (const h of [bad]) expect(h).not.toMatch(/press Check, then Train/);
  });

  it('the built-in datasets: MNIST ready, a download said as one, points for toy data', () => {
    expect(readyText('mnist', mnist, '/ignored')).toMatchObject({ headline: 'The embedded MNIST is ready — press Train', noun: 'test digit' });
    expect(readyText('fashion-mnist', { id: 'fashion-mnist', title: 'Fashion-MNIST', available: false, isImage: true }, '').headline).toBe('Fashion-MNIST is downloaded when you press Train');
    expect(readyText('toy-moons', { id: 'toy-moons', title: 'Two moons', available: true, isImage: false }, '')).toMatchObject({ headline: 'Two moons is ready — press Train', noun: 'test point' });
  });

  it('the card suggests the model the Train form holds by default (a VAE, 2 or 3 latent dimensions), not another', () => {
    const form = new Settings(null).train;
    const kindWord = { ae: 'autoencoder', vae: 'VAE', cvae: 'Conditional VAE', vaegan: 'VAE-GAN' }[form.kind];
    const start = readyText('mnist', mnist, '').start;
    expect(start.startsWith(`the ${kindWord} with a 2- or 3-D latent`)).toBe(true);
    expect([2, 3]).toContain(form.latentDim);
  });

  it('pathBaseName: the last segment, trailing slashes ignored', () => {
    expect(pathBaseName('/a/b/')).toBe('b');
    expect(pathBaseName('/data/train.npz')).toBe('train.npz');
    expect(pathBaseName('')).toBe('');
  });

  it('the check state the headline reads: none before, busy during, what it found, what failed; none once the path or options change', async () => {
    const REPORT = { kind: 'idx' as const, classes: [{ name: '0', train: 20, test: 5 }, { name: '1', train: 20, test: 5 }], skipped: {}, warnings: [], split: 'given' as const };
    let answer!: () => void;
    const api = new FakeApi().handle('datasets:inspect', ({ dataset }) => {
      if (dataset.path === '/nope') throw labError('BAD_DATASET', 'no dataset at /nope');
      return new Promise((resolve) => {
        answer = () => resolve({ info: { ...MNIST, id: 'local', report: REPORT }, report: REPORT, preview: { images: new Float32Array(0), count: 0, shape: [28, 28, 1], labels: new Int32Array(0) } });
      });
    });
    const check = new DatasetCheck(api);
    expect(check.stateFor('/bars', DEFAULT_IMPORT)).toBeNull();
    const job = check.check('/bars', DEFAULT_IMPORT);
    expect(check.stateFor('/bars', DEFAULT_IMPORT)).toEqual({ state: 'busy' });
    answer();
    await job;
    expect(check.stateFor('/bars', DEFAULT_IMPORT)).toEqual({ state: 'ok', items: 50, classes: 2, shape: '28×28 grey', isImage: true });
    expect(check.stateFor('/other', DEFAULT_IMPORT)).toBeNull();
    expect(check.stateFor('/bars', { ...DEFAULT_IMPORT, size: 32 })).toBeNull();
    await check.check('/nope', DEFAULT_IMPORT);
    expect(check.stateFor('/nope', DEFAULT_IMPORT)).toEqual({ state: 'error', message: 'no dataset at /nope' });
  });
});

describe('noModelText (a tab with no model)', () => {
  it('says what to do, then the headline as its own sentence, not capitalised inside a parenthesis', () => {
    const t = noModelText('The embedded MNIST is ready — press Train', 'Reconstructions appear here');
    expect(t).toBe('Train a model on the left or open a saved run, then reconstructions appear here. The embedded MNIST is ready — press Train.');
    expect(t).not.toContain('(');
    // A headline that already ends a sentence gets no second full stop.
    expect(noModelText('Checking your data “shapes”…', 'Generation is available')).toBe('Train a model on the left or open a saved run, then generation is available. Checking your data “shapes”…');
  });
});
