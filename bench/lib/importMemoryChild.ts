/**
 * One import in a fresh process, for where its memory goes (issue #13: the 64×64×3 conv VAE on
 * 20,000 images under 1.5 GB): `node --expose-gc --import tsx bench/lib/importMemoryChild.ts <path>`.
 * Records `process.memoryUsage()` (RSS, heapUsed, external, arrayBuffers) at each step the
 * importer reports (start; `decode` 0: files read and unpacked; `decode` done: images converted;
 * returned: the float splits built), then after a full GC, and the kernel's high-water mark
 * (`VmHWM`). Prints one JSON line (MB).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDataset } from '../../src-main/engine/datasets';

const MB = 1048576;

interface Step {
  step: string;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** High-water mark of this process's RSS (MB; Linux), else NaN. */
function peakMB(): number {
  try {
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

function sample(step: string): Step {
  const m = process.memoryUsage();
  return { step, rss: m.rss / MB, heapUsed: m.heapUsed / MB, external: m.external / MB, arrayBuffers: m.arrayBuffers / MB };
}

async function main(): Promise<void> {
  const [target, options] = process.argv.slice(2);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const steps: Step[] = [sample('start')];
  let lastPhase = '';
  let decodeTotal = 0;
  const t0 = performance.now();
  const d = await loadDataset(
    { id: 'local', path: target, ...(options ? { import: JSON.parse(options) } : {}) },
    {
      dataDir: path.join(os.tmpdir(), 'latentlab-bench-import-data'),
      onProgress: (p) => {
        if (p.phase === 'decode' && lastPhase !== 'decode') steps.push(sample('files read (decode starts)'));
        if (p.phase === 'decode') decodeTotal = p.total;
        if (p.phase === 'decode' && p.loaded === p.total && p.total > 0) steps.push(sample('images converted (decode done)'));
        lastPhase = p.phase;
      },
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  steps.push(sample('returned (float splits built)'));
  const peakImport = peakMB();
  // Two full GCs a macrotask apart: V8 frees array buffers' memory on a background sweeper after
  // the first, so one GC and an immediate sample can still count arrays that are already garbage.
  gc?.();
  steps.push(sample('after a full GC'));
  await new Promise<void>((res) => setTimeout(res, 200));
  gc?.();
  steps.push(sample('after a second GC (200 ms later)'));
  const floatsMB = (d.train.x.byteLength + d.test.x.byteLength) / MB; // the splits' pixels (bytes since datasets/rows.ts)
  process.stdout.write(
    JSON.stringify({
      seconds,
      images: d.train.count + d.test.count,
      decodeTotal,
      kind: d.report.kind,
      floatsMB,
      peakMB: peakImport,
      steps,
      loadAverage: os.loadavg(),
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
