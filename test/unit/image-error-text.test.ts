/**
 * A file dropped on Encode that is not an image gets one clear sentence naming the formats that
 * are read, and those are the formats the engine's dataset importer reads (one list); a readable
 * image that is blank under MNIST-style processing is named as blank, not as unreadable.
 */
import { describe, expect, it } from 'vitest';
import { describeNonImage, READ_FORMATS_TEXT } from '../../src-main/engine/images/format';
import { FORMAT_NAMES } from '../../src-main/engine/images/format';
import { READ_FORMAT_NAMES } from '../../src-shared/imageFormats';
import { unreadableImageText } from '../../src-renderer/src/lib/imageErrors';
import { preprocessForDataset } from '../../src-main/engine/images/preprocess';
import { LabError } from '../../src-shared/types';
import { encodeGray, inkPng } from '../fixtures/generate';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('the Encode tab’s sentence for a file that is not an image', () => {
  it('names the formats once, the importer’s list, and says what the file looks like', () => {
    const text = unreadableImageText('bad.png', describeNonImage(bytes('hello, this is a note\nnot a picture\n')));
    expect(text).toBe(`“bad.png” is not an image Latent Lab can read (it looks like text); it reads ${READ_FORMATS_TEXT}.`);
    // One sentence: a single full stop, at the end.
    expect(text.match(/\.(\s|$)/g)).toHaveLength(1);
  });

  it('keeps each engine reason and drops the engine’s own format list', () => {
    const svg = unreadableImageText('a.svg', describeNonImage(bytes('<svg xmlns="http://www.w3.org/2000/svg"></svg>')));
    expect(svg).toBe(`“a.svg” is not an image Latent Lab can read (SVG/XML is not read); it reads ${READ_FORMATS_TEXT}.`);
    const binary = unreadableImageText('x.bin', describeNonImage(new Uint8Array([0, 1, 2, 3, 0, 0, 9, 200])));
    expect(binary).toBe(`“x.bin” is not an image Latent Lab can read; it reads ${READ_FORMATS_TEXT}.`);
    expect(unreadableImageText('e.png', 'empty file')).toBe(`“e.png” is not an image Latent Lab can read (empty file); it reads ${READ_FORMATS_TEXT}.`);
    for (const t of [svg, binary]) expect(t.split('PNG').length - 1).toBe(1);
  });

  it('a blank (all-white) PNG under MNIST-style processing is named as blank, a cut PNG as unreadable', async () => {
    const r = { size: 28, channels: 1, fit: 'crop', preprocess: 'mnist-style', transpose: false } as const;
    const white = await encodeGray(new Uint8Array(40 * 40).fill(255), 40, 40, 'png');
    const ink = await inkPng(40);
    /** The Encode tab's sentence for `bytes` dropped on an MNIST-style model, from the engine's own error. */
    const dropped = async (name: string, bytes: Uint8Array) => {
      const err = await preprocessForDataset(bytes, r).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(LabError);
      expect((err as LabError).code).toBe('BAD_IMAGE');
      return unreadableImageText(name, (err as LabError).message);
    };
    expect(await dropped('white.png', white)).toBe('“white.png” is blank after MNIST-style processing: no strokes stand out from the background.');
    const cut = await dropped('cut.png', ink.subarray(0, Math.floor(ink.length / 2)));
    expect(cut).toMatch(/^“cut\.png” is not an image Latent Lab can read \(.*\); it reads /);
    expect(cut).not.toMatch(/blank/);
  });

  it('the shared list is exactly the formats the engine decodes', () => {
    expect([...READ_FORMAT_NAMES].sort()).toEqual(Object.values(FORMAT_NAMES).sort());
    expect(READ_FORMATS_TEXT).toBe('PNG, JPEG, WebP, GIF, TIFF or BMP');
  });
});
