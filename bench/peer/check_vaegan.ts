/**
 * Checks that the PyTorch peer's VAE-GAN (peer_models.py + peer_vaegan.py) is the app's
 * (src-main/engine/models/vaegan.ts): the app's dense VAE-GAN (784-256-z-256-784, discriminator
 * 784-256-1) is built with tfjs, its weights copied into the peer's modules (Dense kernels
 * transposed), and on the same batch and noise both compute every loss term, then take one
 * training step (three Adam optimisers) and compute them again. Prints one JSON line with both
 * sides' terms and the largest relative difference; exits 1 when it exceeds 1e-3 (Adam's ε is
 * 1e-7 in tfjs, 1e-8 in PyTorch).
 *
 *   npx tsx bench/peer/check_vaegan.ts [--rows 64] [--latent 3] [--gamma 0.1] [--pixel-weight 0] [--disc-lr-scale 1]
 *
 * Conv models are not compared value for value: TF's 'same' padding puts the odd pixel at the
 * bottom/right, PyTorch's padding=1 on both sides (same parameters and FLOPs; see README.md).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildModel, disposeBundle } from '../../src-main/engine/models/build';
import { ganNoise, ganOptimizers, vaeganLosses, vaeganTrainStep } from '../../src-main/engine/models/vaegan';
import { mulberry32 } from '../../src-main/engine/datasets/random';
import { TrainConfig } from '../../src-shared/types';

const argv = process.argv.slice(2);
const num = (k: string, d: number) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const M = num('rows', 64);
const L = num('latent', 3);
const TERMS = ['prior', 'feature', 'pixel', 'disc', 'gen', 'encoder', 'decoder', 'discriminator'] as const;

const PY = String.raw`
import json, sys, torch
sys.path.insert(0, sys.argv[2])
from peer_models import DenseNet, Discriminator
from peer_vaegan import VaeGanStep
d = json.load(open(sys.argv[1]))
torch.manual_seed(0)
net = DenseNet(784, [256], d["latent"], 0, True)
dis = Discriminator(784, hidden=[256])
step = VaeGanStep(net, dis, d["lr"], d["beta"], d["gamma"], d["pixelWeight"], d["discLrScale"])
params = [p for g in step.groups for p in g]
assert len(params) == len(d["weights"]), (len(params), len(d["weights"]))
with torch.no_grad():
    for p, w in zip(params, d["weights"]):
        t = torch.tensor(w["values"], dtype=torch.float32).view(*w["shape"])
        p.copy_(t.t() if t.dim() == 2 else t)
x = torch.tensor(d["x"]).view(-1, 784)
eps = torch.tensor(d["eps"]).view(x.shape[0], -1)
zp = torch.tensor(d["zp"]).view(x.shape[0], -1)
before = {k: v.item() for k, v in step.losses(x, eps, zp).items()}
step.step(x, eps, zp)
after = {k: v.item() for k, v in step.losses(x, eps, zp).items()}
print(json.dumps({"before": before, "after": after}))
`;

async function main(): Promise<number> {
  const model = { kind: 'vaegan', latentDim: L, gamma: num('gamma', 0.1), pixelWeight: num('pixel-weight', 0), discLrScale: num('disc-lr-scale', 1) };
  const cfg = TrainConfig.parse({ model });
  const bundle = buildModel({ config: cfg.model, inputDim: 784, numClasses: 10, output: 'bernoulli' }, 1);
  const rng = mulberry32(5);
  // Digit-like rows: mostly 0, some strokes near 1, a few grey values.
  const x = Float32Array.from({ length: M * 784 }, () => {
    const u = rng();
    return u < 0.8 ? 0 : u < 0.95 ? 1 : rng();
  });
  const seed = 11;
  const noise = ganNoise(M, L, seed);
  const terms = () =>
    tf.tidy(() => {
      const T = vaeganLosses(bundle, tf.tensor2d(x, [M, 784]), { eps: tf.tensor2d(noise.eps, [M, L]), zp: tf.tensor2d(noise.zp, [M, L]) });
      return Object.fromEntries(TERMS.map((k) => [k, T[k].dataSync()[0]]));
    });
  const weights = [bundle.encoder, bundle.decoder, bundle.discriminator!].flatMap((m) => m.trainableWeights.map((w) => ({ name: w.originalName, shape: w.shape, values: Array.from(w.read().dataSync()) })));
  const before = terms();
  const opt = ganOptimizers(cfg.model, cfg.learningRate);
  vaeganTrainStep(opt, bundle, x, cfg.model.beta, seed);
  const after = terms();
  opt.dispose();
  disposeBundle(bundle);

  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vaegan-check-')), 'case.json');
  const c = cfg.model as { gamma: number; pixelWeight: number; discLrScale: number; beta: number };
  fs.writeFileSync(file, JSON.stringify({ latent: L, lr: cfg.learningRate, beta: c.beta, gamma: c.gamma, pixelWeight: c.pixelWeight, discLrScale: c.discLrScale, weights, x: Array.from(x), eps: Array.from(noise.eps), zp: Array.from(noise.zp) }));
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('/usr/bin/python3', ['-c', PY, file, __dirname], { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    return 2;
  }
  const torch = JSON.parse(r.stdout.trim().split('\n').pop()!) as { before: Record<string, number>; after: Record<string, number> };
  let worst = 0;
  for (const [ours, theirs] of [[before, torch.before], [after, torch.after]] as const) {
    for (const k of TERMS) worst = Math.max(worst, Math.abs(ours[k] - theirs[k]) / Math.max(Math.abs(theirs[k]), 1e-6));
  }
  console.log(JSON.stringify({ rows: M, latent: L, tfjs: { before, after }, torch, maxRelativeDifference: worst }));
  return worst <= 1e-3 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
