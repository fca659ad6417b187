/**
 * Where one thread's training step goes on the kernels: every kernel call of DenseNet.gradient
 * timed in CPU time (mean over the steps; load-robust), per call site. Single thread,
 * `rows` rows (a 2-worker run's share of a batch):
 *   npx tsx bench/lib/kernelProfile.ts conv28|conv32|conv64|dense [rows] [simd|relaxed-simd] [steps]
 */
import { ModelConfig } from '../../src-shared/types';
import { buildModel, trainableVariables } from '../../src-main/engine/models/build';
import { DenseNet } from '../../src-main/engine/kernels/dense/denseNet';
import { createDenseMemory, planDense } from '../../src-main/engine/kernels/dense/densePlan';
import { kernelModule, type KernelVariant } from '../../src-main/engine/kernels/dense/kernelModule';
import { KERNEL_CASES } from './kernelStep';

async function main(): Promise<void> {
  const [key = 'conv28', rowsArg, variant = 'relaxed-simd', stepsArg = '8'] = process.argv.slice(2);
  const c = KERNEL_CASES[key];
  const rows = Number(rowsArg ?? c.batch / 2);
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const config = ModelConfig.parse(c.model);
  const spec = { config, inputDim: c.inputDim, numClasses: 10, output: 'bernoulli' as const };
  const b = buildModel(spec, 1);
  const plan = planDense(spec, rows, 1);
  const net = new DenseNet(plan, createDenseMemory(plan), 0, kernelModule(variant as KernelVariant));
  const flat = new Float32Array(plan.P);
  let o = 0;
  for (const v of trainableVariables(b)) {
    flat.set(v.dataSync() as Float32Array, o);
    o += v.size;
  }
  net.reset(flat);
  const x = Float32Array.from({ length: rows * c.inputDim }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const y = new Int32Array(rows);
  // Wrap every kernel with a timer keyed by name + a call index within the step.
  const holder = net as unknown as { k: Record<string, unknown> };
  const k: Record<string, unknown> = { ...holder.k };
  holder.k = k;
  const totals = new Map<string, number>();
  const steps = Number(stepsArg);
  let call = 0;
  for (const [name, fn] of Object.entries(k)) {
    if (typeof fn !== 'function') continue;
    k[name] = (...args: number[]) => {
      const c0 = process.cpuUsage();
      const r = (fn as (...a: number[]) => unknown)(...args);
      const c = process.cpuUsage(c0);
      const dt = (c.user + c.system) / 1000;
      const key = `${String(call++).padStart(2)} ${name}${name === 'gemm' ? ` ${args[0]}×${args[1]}×${args[2]}` : name.startsWith('im2col') || name.startsWith('col2im') ? ` ${args[0]}×${args[1]}×${args[2]}×${args[3]} k${args[4]}s${args[5]}` : ''}`;
      totals.set(key, (totals.get(key) ?? 0) + dt / steps);
      return r;
    };
  }
  let best = Infinity;
  let cpu = 0;
  for (let s = 0; s < steps; s++) {
    call = 0;
    net.load(x, y, rows, (i) => i, s);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    net.gradient(rows, rows * 2, 1);
    const c1 = process.cpuUsage(c0);
    if (s > 0) cpu += (c1.user + c1.system) / 1000;
    best = Math.min(best, performance.now() - t0);
  }
  const perStepCpu = cpu / Math.max(steps - 1, 1);
  const list = [...totals.entries()];
  const sum = list.reduce((s, [, v]) => s + v, 0);
  for (const [name, v] of list) console.log(`${v.toFixed(2).padStart(8)} ms ${((100 * v) / sum).toFixed(1).padStart(5)} %  ${name}`);
  console.log(`step (best of ${steps}): ${best.toFixed(1)} ms for ${rows} rows = ${((rows / best) * 1000).toFixed(0)} samples/s on one thread; sum of calls ${sum.toFixed(1)} ms; CPU per step ${perStepCpu.toFixed(1)} ms = ${((rows / perStepCpu) * 1000).toFixed(0)} samples per CPU-s`);
}

void main();
