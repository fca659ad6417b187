/**
 * What judging colour on every decoded image of a folder costs (imageFiles.ts `decodeFiles`):
 * 8,000 grey-valued RGB PNGs (the worst case: every pixel is scanned) decoded as the import does,
 * then the colour check alone on the same images. `npx tsx scripts/measure-colour-count.ts [side]`
 * (default 64). The PNGs are written once to a temp folder.
 */
import { promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { decodeRaw } from '../src-main/engine/images/decode';
import { hasColour, resolveAlpha, type RawImage } from '../src-main/engine/images/pixels';
import { decodeFiles } from '../src-main/engine/datasets/local/imageFiles';

const N = 8000;
const side = Number(process.argv[2] ?? 64);
const dir = path.join(os.tmpdir(), `latentlab-colour-count-${side}`);
async function main() {
  await fsp.mkdir(dir, { recursive: true });
  if ((await fsp.readdir(dir)).length < N) {
    for (let i = 0; i < N; i++) {
      const px = Buffer.alloc(side * side * 3);
      for (let k = 0; k < side * side; k++) px[3 * k] = px[3 * k + 1] = px[3 * k + 2] = (k * 7 + i * 13) % 256;
      await fsp.writeFile(path.join(dir, `${i}.png`), await sharp(px, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer());
    }
  }
  const jobs = Array.from({ length: N }, (_, i) => ({ abs: path.join(dir, `${i}.png`), rel: `${i}.png` }));
  const r = { size: side as 28 | 32 | 64, channels: 1 as const, fit: 'crop' as const, preprocess: 'plain' as const, transpose: false };
  for (let rep = 0; rep < 2; rep++) {
    const t0 = performance.now();
    const dec = await decodeFiles(jobs, r, {});
    const t1 = performance.now();
    // The colour check alone, on the same decoded images.
    const raws: RawImage[] = [];
    for (const j of jobs) raws.push(await decodeRaw(new Uint8Array(readFileSync(j.abs)), { maxSide: 4 * side }));
    const t2 = performance.now();
    let c = 0;
    for (const raw of raws) if (hasColour(resolveAlpha(raw))) c++;
    const t3 = performance.now();
    console.log(`side ${side}: decodeFiles (with the check) ${(t1 - t0).toFixed(0)} ms for ${dec.decoded}; colour check alone ${(t3 - t2).toFixed(1)} ms (${((100 * (t3 - t2)) / (t1 - t0)).toFixed(1)} %), ${c} coloured`);
  }
}
void main();
