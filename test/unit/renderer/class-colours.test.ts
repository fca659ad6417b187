/**
 * Classes named after colours are drawn in those colours (a fresh user's "green" class was drawn
 * orange, "red" green), and a clicked point gets one card, not its hover card on top.
 */
import { describe, expect, it } from 'vitest';
import { PALETTE, labelColor, labelRgb, namedClassColours } from '../../../src-renderer/src/lib/palette';
import { ScatterState } from '../../../src-renderer/src/state/scatter.svelte';
import { FakeApi, batch } from './fake-api';

describe('class colours', () => {
  it('every class name a CSS colour: those colours, in the legend and the points alike', () => {
    const names = ['blue', 'green', 'red'];
    expect([0, 1, 2].map((l) => labelColor(l, names))).toEqual(['#0000ff', '#008000', '#ff0000']);
    expect(labelRgb(2, names)).toEqual([1, 0, 0]);
    // Case, spaces and dashes do not matter.
    expect(namedClassColours(['Light Blue', 'dark-red'])).toEqual(['#add8e6', '#8b0000']);
  });

  it('names holding one colour word (a shapes folder: blue_triangle, green_square, red_circle): those colours', () => {
    expect(namedClassColours(['blue_triangle', 'green_square', 'red_circle'])).toEqual(['#0000ff', '#008000', '#ff0000']);
    expect(namedClassColours(['Red Circle', 'Blue-Dot'])).toEqual(['#ff0000', '#0000ff']);
    // A name without a colour word, with two, or two classes of one colour: the palette.
    expect(namedClassColours(['red_circle', 'square'])).toBeNull();
    expect(namedClassColours(['red_blue_stripes', 'green_dot'])).toBeNull();
    expect(namedClassColours(['red_circle', 'red_square'])).toBeNull();
  });

  it('any other name, or two names of one colour: the palette', () => {
    expect(labelColor(1, ['cat', 'green'])).toBe(PALETTE[1]);
    expect(namedClassColours(['grey', 'gray'])).toBeNull();
    expect(namedClassColours(['red'])).toBeNull();
    expect(labelColor(0, ['0', '1', '2'])).toBe(PALETTE[0]);
  });
});

describe('the hover card', () => {
  it('is not drawn over the selected point, whose card is open; other points still get one', async () => {
    const sc = new ScatterState(new FakeApi());
    await sc.setBatch(batch(10, 3), { runId: 'a', live: false });
    sc.hover = { i: 4, x: 10, y: 10 };
    expect(sc.tooltipHover?.i).toBe(4);
    sc.selected = 4;
    expect(sc.tooltipHover).toBeNull();
    sc.hover = { i: 5, x: 12, y: 10 };
    expect(sc.tooltipHover?.i).toBe(5);
  });
});
