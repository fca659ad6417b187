/**
 * Micro-benchmark of one dense VAE training step on the tfjs wasm backend, used to measure
 * the kernel overrides in src-main/engine/kernels/. Not part of the app.
 *
 *   npx tsx bench/peer/wasm_train_bench.ts [--overrides 0|1] [--simd 0|1] [--loss probs|logits]
 *       [--latent 3] [--batch 256] [--steps 40] [--repeats 3] [--profile] [--backend wasm|cpu]
 *       [--cpu] [--configs 'none|BatchMatMul,_FusedMatMul|all']
 *
 * Prints one JSON line {samplesPerSecond, ...} (median over repeats) and, with --profile,
 * a table of time per wasm kernel (every registered kernelFunc wrapped with a timer; the
 * wasm backend is synchronous so wall time per call is the kernel's time).
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { installWasmOverrides, uninstallWasmOverrides, wasmPaths } from '../../src-main/engine/kernels/wasmOverrides';
import { bceWithLogitsSum } from '../../src-main/engine/kernels/fusedLoss';

const argv = process.argv.slice(2);
const opt = (k: string, d: string) => {
  const i = argv.indexOf(`--${k}`);
  return i >= 0 && argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : d;
};
const flag = (k: string) => argv.includes(`--${k}`);

const backendName = opt('backend', 'wasm');
const useOverrides = opt('overrides', '1') === '1';
const simd = opt('simd', '1') === '1';
const lossKind = opt('loss', 'probs') as 'probs' | 'logits' | 'fused';
// --configs "none|BatchMatMul,_FusedMatMul|all": override sets measured in interleaved rounds
const configs = opt('configs', '').split('|').filter(Boolean);
const latent = Number(opt('latent', '3'));
const hidden = Number(opt('hidden', '256'));
const batch = Number(opt('batch', '256'));
const steps = Number(opt('steps', '40'));
const repeats = Number(opt('repeats', '3'));
const profile = flag('profile');

async function main() {
  if (backendName === 'wasm') {
    if (!simd) tf.env().set('WASM_HAS_SIMD_SUPPORT', false);
    setWasmPaths(wasmPaths());
  }
  await tf.setBackend(backendName);
  await tf.ready();
  let applied = backendName === 'wasm' && useOverrides && configs.length === 0 ? installWasmOverrides(tf) : [];

  const kernelMs = new Map<string, { ms: number; calls: number }>();
  if (profile) {
    for (const cfg of tf.getKernelsForBackend(backendName)) {
      const f = cfg.kernelFunc;
      tf.unregisterKernel(cfg.kernelName, backendName);
      tf.registerKernel({
        ...cfg,
        kernelFunc: (args) => {
          const t0 = performance.now();
          const r = f(args);
          const e = kernelMs.get(cfg.kernelName) ?? { ms: 0, calls: 0 };
          e.ms += performance.now() - t0;
          e.calls++;
          kernelMs.set(cfg.kernelName, e);
          return r;
        },
      });
    }
  }

  tf.setBackend(backendName); // no-op, keeps the backend
  const x = tf.tidy(() => tf.randomUniform([batch, 784]).greater(0.7).toFloat());
  const enc = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: hidden, activation: 'relu' })] });
  const zMean = tf.layers.dense({ units: latent });
  const zLogVar = tf.layers.dense({ units: latent });
  const dec = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [latent], units: hidden, activation: 'relu' }),
      tf.layers.dense({ units: 784, activation: lossKind === 'probs' ? 'sigmoid' : 'linear' }),
    ],
  });
  const hIn = tf.input({ shape: [hidden] });
  const heads = tf.model({ inputs: hIn, outputs: [zMean.apply(hIn) as tf.SymbolicTensor, zLogVar.apply(hIn) as tf.SymbolicTensor] });
  const optimizer = tf.train.adam(1e-3);

  const lossFn = () => {
    const h = enc.apply(x) as tf.Tensor;
    const [mu, logVar] = heads.apply(h) as tf.Tensor[];
    const eps = tf.randomNormal(mu.shape);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logVar)), eps));
    const out = dec.apply(z) as tf.Tensor;
    let recon: tf.Tensor;
    if (lossKind === 'probs') {
      const p = tf.clipByValue(out, 1e-7, 1 - 1e-7);
      recon = tf.neg(tf.sum(tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p)))), -1));
    } else if (lossKind === 'fused') {
      recon = bceWithLogitsSum(tf, out, x);
    } else {
      // stable BCE with logits: max(l,0) - l*x + log(1+exp(-|l|))
      recon = tf.sum(tf.add(tf.sub(tf.relu(out), tf.mul(out, x)), tf.softplus(tf.neg(tf.abs(out)))), -1);
    }
    const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, logVar), tf.add(tf.square(mu), tf.exp(logVar))), -1));
    return tf.mean(tf.add(recon, kl)) as tf.Scalar;
  };

  const step = () => {
    const l = optimizer.minimize(lossFn, true);
    const v = l!.dataSync()[0];
    l!.dispose();
    return v;
  };
  for (let i = 0; i < 3; i++) step();
  kernelMs.clear();
  let lastLoss = 0;
  // Wall-clock rate, or with --cpu the rate per second of process CPU time (user+sys), which
  // is far less sensitive to other processes competing for the 2 cores (training is 1 thread).
  const useCpu = flag('cpu');
  const measure = () => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < steps; i++) lastLoss = step();
    const c = process.cpuUsage(c0);
    const secs = useCpu ? (c.user + c.system) / 1e6 : (performance.now() - t0) / 1000;
    return (steps * batch) / secs;
  };
  if (configs.length > 0) {
    const byConfig = new Map<string, number[]>(configs.map((c) => [c, []]));
    for (let r = 0; r < repeats; r++) {
      for (const c of configs) {
        uninstallWasmOverrides(tf);
        if (c !== 'none') installWasmOverrides(tf, c === 'all' ? {} : { kernels: c.split(',') });
        step(); // warm-up after switching
        byConfig.get(c)!.push(measure());
      }
    }
    for (const [c, rs] of byConfig) {
      rs.sort((a, b) => a - b);
      console.log(JSON.stringify({ config: c, clock: useCpu ? 'cpu' : 'wall', loss: lossKind, latent, batch, samplesPerSecond: Math.round(rs[Math.floor(rs.length / 2)]), all: rs.map(Math.round) }));
    }
    return;
  }
  const rates: number[] = [];
  for (let r = 0; r < repeats; r++) rates.push(measure());
  rates.sort((a, b) => a - b);
  const result = {
    backend: backendName,
    overrides: applied,
    simd: backendName === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : null,
    threads: backendName === 'wasm' ? tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') : null,
    loss: lossKind,
    clock: useCpu ? 'cpu' : 'wall',
    latent,
    batch,
    samplesPerSecond: Math.round(rates[Math.floor(rates.length / 2)]),
    all: rates.map(Math.round),
    lastLoss,
    numTensors: tf.memory().numTensors,
  };
  console.log(JSON.stringify(result));
  if (profile) {
    const total = [...kernelMs.values()].reduce((s, e) => s + e.ms, 0);
    const totalSteps = steps * repeats;
    const rows = [...kernelMs.entries()].sort((a, b) => b[1].ms - a[1].ms);
    console.log(`kernel time per step: ${(total / totalSteps).toFixed(2)} ms`);
    for (const [name, e] of rows.slice(0, 25)) {
      console.log(
        `${name.padEnd(22)} ${(e.ms / totalSteps).toFixed(3).padStart(8)} ms/step ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  calls/step ${(e.calls / totalSteps).toFixed(1)}`,
      );
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
