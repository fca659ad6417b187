/**
 * Judges a workspace's saved runs with the in-app classifier, for runs whose end did not wait
 * for it (a bench that disposed its Engine right after training): `classifier:start` queues every
 * run lacking the classifier's numbers, and this prints each run's metrics as `runs:metricsUpdated`
 * brings them (Fréchet distance, reconstruction accuracy, a CVAE's generation accuracy).
 *
 *   npx tsx bench/lib/judgeRuns.ts WORKSPACE [DATA_DIR]
 * WORKSPACE: a folder holding runs/; DATA_DIR: where the classifier is cached (default
 * <tmpdir>/latentlab-bench-cache, the bench's --bench-cache). Prints one JSON line per run.
 */
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../src-main/engine/engine';
import { chooseBackend } from '../../src-main/engine/backend';

async function main(): Promise<void> {
  const workspace = process.argv[2];
  if (!workspace) throw new Error('usage: judgeRuns.ts WORKSPACE [DATA_DIR]');
  const dataDir = process.argv[3] ?? path.join(os.tmpdir(), 'latentlab-bench-cache');
  await chooseBackend({ LATENT_LAB_BACKEND: 'wasm' });
  let left = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const engine = await Engine.create({
    workspace: path.resolve(workspace),
    dataDir: path.resolve(dataDir),
    emit: (name, payload) => {
      if (name !== 'runs:metricsUpdated') return;
      const u = payload as { runId: string; pending: boolean; metrics: unknown; message?: string };
      if (u.pending) return;
      console.log(JSON.stringify({ runId: u.runId, metrics: u.metrics, message: u.message }));
      if (--left <= 0) done();
    },
  });
  try {
    const { queued } = (await engine.call('classifier:start', {})) as { queued: number };
    left = queued;
    console.error(`judging ${queued} run(s) with the classifier in ${dataDir}`);
    if (queued > 0) await finished;
  } finally {
    await engine.dispose();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
