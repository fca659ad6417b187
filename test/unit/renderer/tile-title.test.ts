/**
 * A generated tile's tooltip (ImageGrid, `tileTitle`): a conditional model's tile names its label;
 * an unconditional model's (label −1, the new user saw "label -1") has no label text.
 */
import { describe, expect, it } from 'vitest';
import { tileTitle } from '../../../src-renderer/src/lib/wording';

describe('tileTitle', () => {
  it('names the label of a tile that has one (by name, else its index)', () => {
    expect(tileTitle(0, 7, ['0', '1', '2', '3', '4', '5', '6', '7'])).toBe('label 7');
    expect(tileTitle(2, 1, ['cat', 'dog'])).toBe('label dog');
    expect(tileTitle(2, 5, ['cat', 'dog'])).toBe('label 5');
  });

  it('an unconditional sample (label −1) or a grid without labels: its place, no label text', () => {
    expect(tileTitle(0, -1, ['0', '1'])).toBe('#1');
    expect(tileTitle(15, -1, [])).toBe('#16');
    expect(tileTitle(3, undefined, ['0'])).toBe('#4');
    expect(tileTitle(3, -1, ['0'])).not.toMatch(/label/);
  });
});
