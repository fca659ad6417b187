/**
 * How long a request waits on the engine's thread while a model trains, in-process (no browser,
 * no WebSocket): `training:status` and a 1-vector `model:decode` called at random 20–200 ms gaps
 * through one epoch and its end (validation, checkpoint, snapshot), plus the event loop's delay
 * histogram. A quick stand-in for the UI bench's round trips when changing the engine's
 * epoch-end work.
 *
 *   npx tsx bench/lib/loopDelay.ts [dense|conv] [epochs=1]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { chooseBackend } from '../../src-main/engine/backend';
import { Engine } from '../../src-main/engine/engine';
import { median, percentile, round, sleep } from './util';
import { epochEndSpans, overlapsSpan, type EngineEvent } from './uiTraining';

export async function probeWhileTraining(arch: 'dense' | 'conv', epochs: number, tmp: string) {
  const events: EngineEvent[] = [];
  const engine = await Engine.create({
    workspace: path.join(tmp, 'ws'),
    emit: (name, payload) => {
      if (name === 'training:progress' || name === 'training:latents') events.push({ name, payload, t: performance.now() });
    },
  });
  const probes: { ms: number; t0: number; t1: number }[] = [];
  const eld = monitorEventLoopDelay({ resolution: 5 });
  try {
    await engine.call('training:start', { dataset: { id: 'mnist' }, model: { kind: 'vae', arch, latentDim: 3 }, epochs, batchSize: 256, seed: 1 });
    eld.enable();
    let done = false;
    void engine.waitForTraining().then(() => (done = true));
    const rand = () => Math.random() * 2 - 1;
    while (!done) {
      let t0 = performance.now();
      await engine.call('training:status', {});
      probes.push({ ms: performance.now() - t0, t0, t1: performance.now() });
      await sleep(20 + Math.random() * 180);
      t0 = performance.now();
      await engine.call('model:decode', { z: Float32Array.of(rand(), rand(), rand()), count: 1 }).catch(() => undefined);
      probes.push({ ms: performance.now() - t0, t0, t1: performance.now() });
      await sleep(20 + Math.random() * 180);
    }
    eld.disable();
  } finally {
    await engine.dispose();
  }
  const spans = epochEndSpans(events);
  const ms = probes.map((p) => p.ms);
  const steady = probes.filter((p) => !overlapsSpan(p, spans)).map((p) => p.ms);
  return {
    arch,
    n: ms.length,
    medianMs: round(median(ms), 1),
    p99Ms: round(percentile(ms, 99), 1),
    maxMs: round(Math.max(...ms), 1),
    steadyP99Ms: round(percentile(steady, 99), 1),
    loopDelayP99Ms: round(eld.percentile(99) / 1e6, 1),
    loopDelayMaxMs: round(eld.max / 1e6, 1),
    loadAverage: os.loadavg().map((x) => round(x, 1)),
  };
}

if (require.main === module) {
  const [arch = 'conv', epochs = '1'] = process.argv.slice(2);
  void (async () => {
    // The in-app classifier's training after the run is not the training under test.
    process.env.LATENT_LAB_CLASSIFIER ??= '0';
    await chooseBackend({ LATENT_LAB_BACKEND: 'wasm' });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'latentlab-loop-'));
    try {
      console.log(JSON.stringify(await probeWhileTraining(arch as 'dense' | 'conv', Number(epochs), tmp)));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  })();
}
