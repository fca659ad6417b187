/**
 * A/B of two source trees (e.g. the last commit exported with `git archive HEAD | tar -x -C
 * /tmp/old`, node_modules linked, against the working tree): each tree's DenseNet with its own
 * kernel module runs one thread's training step, alternating step by step in one process, CPU
 * time per step (min and median). For changes to the TypeScript side and the C together, where
 * kernelAB.ts (two modules, one tree) cannot run the old module:
 *   npx tsx bench/lib/kernelTreeAB.ts conv28|conv32|conv64|dense TREE_A TREE_B [rounds] [rows] [relaxed|plain]
 */
import { readFileSync } from 'node:fs';
const [key = 'conv28', treeA = '/tmp/old', treeB = '/work/main', roundsArg = '12', rowsArg, variant = 'relaxed'] = process.argv.slice(2);
async function load(tree: string) {
  const { ModelConfig } = await import(`${tree}/src-shared/types`);
  const build = await import(`${tree}/src-main/engine/models/build`);
  const { DenseNet } = await import(`${tree}/src-main/engine/kernels/dense/denseNet`);
  const plan = await import(`${tree}/src-main/engine/kernels/dense/densePlan`);
  const km = await import(`${tree}/src-main/engine/kernels/dense/kernelModule`);
  const { KERNEL_CASES } = await import(`${tree}/bench/lib/kernelStep`);
  return { ModelConfig, build, DenseNet, plan, km, KERNEL_CASES };
}
async function main() {
  const A = await load(treeA), B = await load(treeB);
  A.km.relaxedSimdSupported();
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const c = A.KERNEL_CASES[key];
  const rows = Number(rowsArg ?? c.batch / 2);
  const nets = [A, B].map((T, i) => {
    const spec = { config: T.ModelConfig.parse(c.model), inputDim: c.inputDim, numClasses: 10, output: 'bernoulli' as const };
    const bundle = T.build.buildModel(spec, 1);
    const vars = T.build.trainableVariables(bundle);
    const flat = new Float32Array(vars.reduce((s: number, v: any) => s + v.size, 0));
    let o = 0; for (const v of vars) { flat.set(v.dataSync(), o); o += v.size; }
    const p = T.plan.planDense(spec, rows, 1);
    const file = `${[treeA, treeB][i]}/src-main/engine/kernels/dense/${variant === 'relaxed' ? 'dense-relaxed.wasm' : 'dense.wasm'}`;
    const net = new T.DenseNet(p, T.plan.createDenseMemory(p), 0, new WebAssembly.Module(readFileSync(file)));
    net.reset(flat);
    return net;
  });
  const x = Float32Array.from({ length: rows * c.inputDim }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const y = new Int32Array(rows);
  const times: number[][] = [[], []];
  const rounds = Number(roundsArg);
  for (let r = 0; r < rounds + 2; r++) for (let j = 0; j < 2; j++) {
    const which = (r + j) % 2;
    const net = nets[which];
    net.load(x, y, rows, (q: number) => q, r);
    const c0 = process.cpuUsage();
    net.gradient(rows, rows * 2, 1);
    const d = process.cpuUsage(c0);
    if (r >= 2) times[which].push((d.user + d.system) / 1000);
  }
  const stat = (t: number[]) => { const s = [...t].sort((a, b) => a - b); return { min: s[0], med: s[Math.floor(s.length / 2)] }; };
  const a = stat(times[0]), b = stat(times[1]);
  console.log(`${key} rows ${rows}: A ${treeA} min ${a.min.toFixed(1)} med ${a.med.toFixed(1)} ms | B ${treeB} min ${b.min.toFixed(1)} med ${b.med.toFixed(1)} ms | B/A med ${(b.med / a.med).toFixed(3)} min ${(b.min / a.min).toFixed(3)}`);
}
void main();
