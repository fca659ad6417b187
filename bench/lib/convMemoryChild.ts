/**
 * One conv training run in a fresh process, for its peak memory (issue #13's goal: the 64×64×3
 * conv VAE on 20,000 images under 1.5 GB RSS): the engine in this process imports the .npz the
 * parent wrote (`datasets:prepare`), then trains it (`training:start`, the app's path: workers on
 * the kernels, validation, checkpoints, snapshots, final metrics).
 *
 *   node --import tsx bench/lib/convMemoryChild.ts <data.npz> <workspace> [epochs=1] [stopAfterBatches] [--exit]
 *
 * `--exit` prints the line as soon as `stopAfterBatches` batches are done and exits, without the
 * stopped run's final metrics (which run on tfjs and can take many minutes under load): the peak
 * of the import and of the first batches only.
 *
 * Peaks come from the kernel's own high-water mark (`VmHWM` in /proc/self/status), reset between
 * the import and the training (`echo 5 > /proc/self/clear_refs`), so nothing between two samples
 * is missed. Prints one JSON line.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Engine } from '../../src-main/engine/engine';

/** Peak and current RSS of this process in MB (Linux), or null elsewhere. */
function rssMB(): { peak: number; now: number } | null {
  try {
    const s = fs.readFileSync('/proc/self/status', 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
  } catch {
    return null;
  }
}

/** With LATENT_LAB_MEM_TRACE set: this process's memory now, on stderr (MB). */
function trace(what: string): void {
  const m = process.memoryUsage();
  const f = (b: number) => (b / 1048576).toFixed(0);
  process.stderr.write(`[mem] ${what}: rss ${f(m.rss)} heapUsed ${f(m.heapUsed)} external ${f(m.external)} arrayBuffers ${f(m.arrayBuffers)}\n`);
}

function resetPeak(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const exitEarly = argv.includes('--exit');
  const [file, workspace, epochsArg = '1', stopArg] = argv.filter((a) => a !== '--exit');
  const stopAfter = stopArg ? Number(stopArg) : 0;
  let report: ((stoppedAt: number) => void) | null = null;
  const start = rssMB();
  let batches = 0;
  let samplesPerSecond = 0;
  let engine: Engine | null = null;
  const stopWhen = () => {
    if (stopAfter && batches >= stopAfter && exitEarly && report) return report(batches);
    if (stopAfter && batches >= stopAfter && engine) void engine.call('training:stop', {}).catch(() => undefined);
  };
  engine = await Engine.create({
    workspace,
    emit: (name, payload) => {
      if (name !== 'training:progress') return;
      if (process.env.LATENT_LAB_MEM_TRACE) trace(`progress ${JSON.stringify(payload).slice(0, 60)}`);
      const p = payload as { batch: number; epoch: number; batches: number; samplesPerSecond: number; val?: unknown };
      if (!p.val) {
        batches = (p.epoch - 1) * p.batches + p.batch;
        samplesPerSecond = p.samplesPerSecond;
        stopWhen();
      }
    },
  });
  const dataset = { id: 'local' as const, path: file };
  const t0 = performance.now();
  await engine.call('datasets:prepare', { dataset });
  const importSeconds = (performance.now() - t0) / 1000;
  const afterImport = rssMB();
  const reset = resetPeak();
  if (process.env.LATENT_LAB_MEM_TRACE) trace('after the import');
  const t1 = performance.now();
  report = (stoppedAt) => {
    const now = rssMB();
    process.stdout.write(
      JSON.stringify({
        startMB: start?.now ?? null,
        importPeakMB: afterImport?.peak ?? null,
        afterImportMB: afterImport?.now ?? null,
        trainPeakMB: reset ? (now?.peak ?? null) : null,
        processPeakMB: reset ? Math.max(afterImport?.peak ?? 0, now?.peak ?? 0) : (now?.peak ?? null),
        importSeconds,
        trainSeconds: (performance.now() - t1) / 1000,
        batches: stoppedAt,
        samplesPerSecond,
        exitedEarly: true,
        loadAverage: os.loadavg(),
      }) + '\n',
    );
    process.exit(0);
  };
  await engine.call('training:start', {
    dataset,
    model: { kind: 'vae', arch: 'conv', latentDim: 32 },
    epochs: Number(epochsArg),
    batchSize: 128,
    seed: 1,
    name: 'memory 64×64×3',
  });
  await engine.waitForTraining();
  const trainSeconds = (performance.now() - t1) / 1000;
  const afterTrain = rssMB();
  await engine.dispose();
  process.stdout.write(
    JSON.stringify({
      startMB: start?.now ?? null,
      importPeakMB: afterImport?.peak ?? null,
      afterImportMB: afterImport?.now ?? null,
      trainPeakMB: reset ? (afterTrain?.peak ?? null) : null,
      processPeakMB: reset ? Math.max(afterImport?.peak ?? 0, afterTrain?.peak ?? 0) : (afterTrain?.peak ?? null),
      importSeconds,
      trainSeconds,
      batches,
      samplesPerSecond,
      loadAverage: os.loadavg(),
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
