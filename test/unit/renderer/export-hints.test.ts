/**
 * The Export tab's format hints say what THIS run's export writes: a colour run's IDX is
 * images-idx4-ubyte.gz (not the MNIST-compatible idx3), its NPZ images N×H×W×3.
 */
import { describe, expect, it } from 'vitest';
import { imageFormatHint } from '../../../src-renderer/src/lib/exportText';

describe('Export format hints follow the run', () => {
  it('a 64×64 colour run: IDX is images-idx4-ubyte.gz, not "byte-compatible with the MNIST files"; NPZ images N×64×64×3', () => {
    const idx = imageFormatHint('idx', [64, 64, 3]);
    expect(idx).toContain('images-idx4-ubyte.gz (N×64×64×3');
    expect(idx).not.toContain('idx3');
    expect(idx).not.toContain('byte-compatible with the MNIST files');
    expect(imageFormatHint('npz', [64, 64, 3])).toContain('images (uint8 N×64×64×3)');
    expect(imageFormatHint('imagefolder', [64, 64, 3])).toContain('RGB');
  });

  it('a grey 28×28 run: idx3, byte-compatible with MNIST; NPZ N×28×28', () => {
    expect(imageFormatHint('idx', [28, 28, 1])).toBe('images-idx3-ubyte.gz (N×28×28) + labels-idx1-ubyte.gz, byte-compatible with the MNIST files; manifest.json.');
    expect(imageFormatHint('idx', [28, 28])).toContain('images-idx3-ubyte.gz (N×28×28)');
    expect(imageFormatHint('npz', [28, 28, 1])).toContain('images (uint8 N×28×28)');
    expect(imageFormatHint('npz', undefined)).toContain('images (uint8 N×H×W)');
  });
});

describe('the image folder hint says where samples without a label go', () => {
  it('promises <label>/<n>.png and says a model that draws no label (any but a CVAE) writes unlabeled/', () => {
    const h = imageFormatHint('imagefolder', [28, 28, 1]);
    expect(h).toMatch(/^<label>\/<n>\.png per image \(grey, 28×28; torchvision ImageFolder; /);
    expect(h).toContain('a model that draws no label, any but a CVAE, writes them all to unlabeled/');
  });
});
