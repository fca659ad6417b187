/**
 * How long the end of a run takes (`Trainer.finish`: latent statistics, test metrics, the final
 * record, `training:done`), without the in-app classifier (LATENT_LAB_CLASSIFIER=0), for a
 * 1-epoch run of the Keras-example conv VAE and of the default dense VAE on the embedded MNIST.
 *
 * `end`: wall and CPU seconds from the last epoch-end report to `training:done` (the whole end:
 * checkpoint, snapshot, latent statistics, test metrics, record). Parts: each pass of the end's
 * metrics timed again on the trained model, as `runEndMetrics` does them (../../src-main/engine/
 * jobs/runEnd.ts, with the last epoch's validation as the run's end passes it), then a check:
 * the test ELBO evaluated afresh must equal the saved one (`elboFresh` = `elboSaved`).
 * CPU seconds are the whole process's (the workers are idle by then): they hold under load.
 *
 *   npx tsx bench/lib/finishTime.ts [cases=convKeras,dense]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../src-main/engine/engine';
import { chooseBackend } from '../../src-main/engine/backend';
import { runEndMetrics } from '../../src-main/engine/jobs/runEnd';
import type { LoadedRun, RunCache } from '../../src-main/engine/runCache';
import { evaluate } from '../../src-main/engine/metrics';
import type { LossParts, ModelConfigInput } from '../../src-shared/types';
import { log, round } from './util';

const CASES: Record<string, { model: ModelConfigInput; batchSize: number }> = {
  convKeras: { model: { kind: 'vae', arch: 'conv', latentDim: 2 }, batchSize: 128 },
  dense: { model: { kind: 'vae', arch: 'dense', latentDim: 3 }, batchSize: 256 },
};

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export interface FinishTimes {
  endWall: number | null;
  endCpu: number | null;
  parts: Record<string, { wall: number | null; cpu: number | null }>;
  elboSaved: number | null;
  elboFresh: number | null;
  knnAccuracy: number | null;
  loadAverage: number[];
}

async function measure(key: string, tmp: string): Promise<FinishTimes> {
  const c = CASES[key];
  let last: { t: number; cpu: number } | null = null;
  let done: { t: number; cpu: number } | null = null;
  let lastVal: LossParts | undefined;
  const engine = await Engine.create({
    workspace: path.join(tmp, `ws-${key}`),
    emit: (name, payload) => {
      const val = name === 'training:progress' ? (payload as { val?: LossParts }).val : undefined;
      if (val) {
        last = { t: performance.now(), cpu: cpu() };
        lastVal = val;
      }
      if (name === 'training:done') done = { t: performance.now(), cpu: cpu() };
    },
  });
  const out: FinishTimes = { endWall: null, endCpu: null, parts: {}, elboSaved: null, elboFresh: null, knnAccuracy: null, loadAverage: os.loadavg().map((x) => round(x, 1) ?? 0) };
  try {
    const { runId } = await engine.call('training:start', { dataset: { id: 'mnist' }, model: c.model, epochs: 1, batchSize: c.batchSize, seed: 1, snapshotSize: 2000 });
    await engine.waitForTraining();
    if (last && done) {
      const [a, b] = [last as { t: number; cpu: number }, done as { t: number; cpu: number }];
      out.endWall = round((b.t - a.t) / 1000, 2);
      out.endCpu = round(b.cpu - a.cpu, 2);
    }
    const runs = (engine as unknown as { runs: RunCache }).runs;
    const lr: LoadedRun = await runs.get(runId);
    let t0 = performance.now();
    let c0 = cpu();
    out.elboSaved = lr.rec.metrics?.elbo ?? null;
    const m = await runEndMetrics(lr.bundle, lr.data, lr.rec.config, {
      lastVal,
      onPhase: (phase) => {
        const t = performance.now();
        const cc = cpu();
        out.parts[phase] = { wall: round((t - t0) / 1000, 2), cpu: round(cc - c0, 2) };
        t0 = t;
        c0 = cc;
      },
    });
    out.knnAccuracy = round(m.metrics.knnAccuracy, 4);
    const fresh = await evaluate(lr.bundle, lr.data.test, { seed: lr.rec.config.seed });
    out.elboFresh = fresh.recon + fresh.kl;
  } finally {
    await engine.dispose();
  }
  return out;
}

if (require.main === module) {
  const keys = (process.argv[2] ?? 'convKeras,dense').split(',');
  void (async () => {
    process.env.LATENT_LAB_CLASSIFIER = '0';
    await chooseBackend({ LATENT_LAB_BACKEND: 'wasm' });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'latentlab-finish-'));
    try {
      for (const k of keys) {
        log(`finish: ${k} (load ${os.loadavg().map((x) => x.toFixed(1)).join('/')})`);
        const r = await measure(k, tmp);
        process.stdout.write(`${k}: ${JSON.stringify(r)}\n`);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  })();
}
