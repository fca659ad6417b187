/**
 * A/B of two kernel modules on one thread's training step, alternating step by step in one
 * process (so both see the same machine load), CPU time per step (mean and median):
 *   npx tsx bench/lib/kernelAB.ts conv28|conv32|conv64|dense A.wasm B.wasm [rounds] [rows]
 */
import { readFileSync } from 'node:fs';
import { ModelConfig } from '../../src-shared/types';
import { buildModel, trainableVariables } from '../../src-main/engine/models/build';
import { DenseNet } from '../../src-main/engine/kernels/dense/denseNet';
import { createDenseMemory, planDense } from '../../src-main/engine/kernels/dense/densePlan';
import { relaxedSimdSupported } from '../../src-main/engine/kernels/dense/kernelModule';
import { KERNEL_CASES } from './kernelStep';

async function main(): Promise<void> {
  const [key = 'conv28', a, b, roundsArg = '20', rowsArg] = process.argv.slice(2);
  relaxedSimdSupported(); // sets the relaxed-SIMD flag before either module compiles
  const c = KERNEL_CASES[key];
  const rows = Number(rowsArg ?? c.batch / 2);
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const config = ModelConfig.parse(c.model);
  const spec = { config, inputDim: c.inputDim, numClasses: 10, output: 'bernoulli' as const };
  const bundle = buildModel(spec, 1);
  const flat = new Float32Array(trainableVariables(bundle).reduce((s, v) => s + v.size, 0));
  let o = 0;
  for (const v of trainableVariables(bundle)) {
    flat.set(v.dataSync() as Float32Array, o);
    o += v.size;
  }
  const x = Float32Array.from({ length: rows * c.inputDim }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const y = new Int32Array(rows);
  const nets = [a, b].map((file) => {
    const plan = planDense(spec, rows, 1);
    const net = new DenseNet(plan, createDenseMemory(plan), 0, new WebAssembly.Module(readFileSync(file)));
    net.reset(flat);
    return net;
  });
  const times: number[][] = [[], []];
  const rounds = Number(roundsArg);
  for (let r = 0; r < rounds + 2; r++) {
    for (let i = 0; i < 2; i++) {
      const net = nets[(r + i) % 2 === 0 ? 0 : 1];
      const which = net === nets[0] ? 0 : 1;
      net.load(x, y, rows, (j) => j, r);
      const c0 = process.cpuUsage();
      net.gradient(rows, rows * 2, 1);
      const d = process.cpuUsage(c0);
      if (r >= 2) times[which].push((d.user + d.system) / 1000);
    }
  }
  const stat = (t: number[]) => {
    const s = [...t].sort((p, q) => p - q);
    return { mean: t.reduce((p, q) => p + q, 0) / t.length, median: s[s.length >> 1] };
  };
  const [sa, sb] = times.map(stat);
  console.log(`${key} ${rows} rows: A ${sa.mean.toFixed(1)} ms (median ${sa.median.toFixed(1)}) | B ${sb.mean.toFixed(1)} ms (median ${sb.median.toFixed(1)}) | B/A ${(sb.median / sa.median).toFixed(3)}`);
}

void main();
