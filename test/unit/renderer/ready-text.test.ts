/**
 * The empty scatter's headline names the dataset the Train form has selected: with "Your own
 * data" chosen and nothing trained it never says "The embedded MNIST is ready".
 */
import { describe, expect, it } from 'vitest';
import { pathBaseName, readyText } from '../../../src-renderer/src/lib/readyText';

const mnist = { id: 'mnist', title: 'MNIST (10,000)', available: true, isImage: true };
const local = { id: 'local', title: 'Your own data', available: false, isImage: true };

describe('readyText', () => {
  it('own data: names the folder (or asks for one), never MNIST', () => {
    expect(readyText('local', local, '/home/me/shapes/').headline).toBe('Your data “shapes” is selected — press Check, then Train');
    expect(readyText('local', local, 'C:\\data\\cats').headline).toContain('“cats”');
    expect(readyText('local', local, '  ').headline).toBe('Choose your data on the left (a folder or a dataset file), then press Train');
    for (const p of ['', '/x/y']) expect(readyText('local', local, p).headline).not.toMatch(/MNIST/);
  });

  it('the built-in datasets: MNIST ready, a download said as one, points for toy data', () => {
    expect(readyText('mnist', mnist, '/ignored')).toEqual({ headline: 'The embedded MNIST is ready — press Train', noun: 'test digit' });
    expect(readyText('fashion-mnist', { id: 'fashion-mnist', title: 'Fashion-MNIST', available: false, isImage: true }, '').headline).toBe('Fashion-MNIST is downloaded when you press Train');
    expect(readyText('toy-moons', { id: 'toy-moons', title: 'Two moons', available: true, isImage: false }, '')).toEqual({ headline: 'Two moons is ready — press Train', noun: 'test point' });
  });

  it('pathBaseName: the last segment, trailing slashes ignored', () => {
    expect(pathBaseName('/a/b/')).toBe('b');
    expect(pathBaseName('/data/train.npz')).toBe('train.npz');
    expect(pathBaseName('')).toBe('');
  });
});
