/**
 * One import, timed in a fresh process (so its memory is its own): `node --import tsx
 * bench/lib/importChild.ts <path> [<import options JSON>]`. Prints one JSON line: seconds, peak
 * RSS above the RSS before the import (MB, sampled every 50 ms), images, kind, resolved options.
 */
import os from 'node:os';
import path from 'node:path';
import { loadDataset } from '../../src-main/engine/datasets';

async function main(): Promise<void> {
  const [target, options] = process.argv.slice(2);
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const t0 = performance.now();
  const d = await loadDataset({ id: 'local', path: target, ...(options ? { import: JSON.parse(options) } : {}) }, { dataDir: path.join(os.tmpdir(), 'latentlab-bench-import-data') });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  process.stdout.write(
    JSON.stringify({ seconds, extraMB: (peak - before) / 1048576, images: d.train.count + d.test.count, kind: d.report.kind, resolved: d.resolved, loadAverage: os.loadavg() }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
