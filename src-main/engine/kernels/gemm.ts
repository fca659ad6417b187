/**
 * Our own float32 GEMM for the threaded wasm backend, used for the dense layers' matmuls in
 * training (BatchMatMul / _FusedMatMul overrides).
 *
 * Why: tfjs hands every product to XNNPACK through a fully-connected operator that it caches per
 * weight tensor. Training makes new weights, transposes and gradients at every step, so each of a
 * step's matmuls builds a new operator and repacks its right operand on one thread (+2–3 ms per
 * 200k-element operand), after our override materialised any transposed operand (≈ 1 ms more).
 * Here the right operand is packed straight from either layout into 8-column panels, the panels
 * are split between the calling thread and one helper thread, and a 4×8 wasm SIMD microkernel
 * does the products (~18 GFLOP/s per thread here, packing included, like XNNPACK's cached path).
 *
 * The kernel module (text below, assembled with wabt at start) imports the backend's own shared
 * WebAssembly.Memory, so it reads and writes tensors in place: no copies. The helper thread
 * instantiates the same module on the same memory and waits on an Atomics control block.
 */
import { Worker } from 'node:worker_threads';

type Tf = typeof import('@tensorflow/tfjs');
type TensorInfo = { dataId: object; shape: number[]; dtype: string };

const MR = 4;
const NR = 8;

/** The kernel module's text: 4×8 and 1×8 microkernels, panel packing, edge copy, bias + ReLU. */
export function gemmWat(shared: boolean): string {
  const kstep = (rows: number) => {
    let s = `
      (local.set $b0 (v128.load (local.get $bp)))
      (local.set $b1 (v128.load offset=16 (local.get $bp)))
      (local.set $bp (i32.add (local.get $bp) (i32.const 32)))`;
    for (let r = 0; r < rows; r++) {
      s += `
      (local.set $av (v128.load32_splat (local.get $p${r})))
      (local.set $c${r}0 (f32x4.add (local.get $c${r}0) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c${r}1 (f32x4.add (local.get $c${r}1) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $p${r} (i32.add (local.get $p${r}) (local.get $aks)))`;
    }
    return s;
  };
  const kernel = (name: string, rows: number) => {
    const locals = [];
    for (let r = 0; r < rows; r++) locals.push(`(local $p${r} i32) (local $c${r}0 v128) (local $c${r}1 v128)`);
    let init = `(local.set $p0 (local.get $a))`;
    for (let r = 1; r < rows; r++) init += `(local.set $p${r} (i32.add (local.get $p${r - 1}) (local.get $ars)))`;
    let store = `(local.set $cp (local.get $c))`;
    for (let r = 0; r < rows; r++) {
      store += `
      (v128.store (local.get $cp) (local.get $c${r}0))
      (v128.store offset=16 (local.get $cp) (local.get $c${r}1))
      (local.set $cp (i32.add (local.get $cp) (local.get $ldc)))`;
    }
    return `
  ;; C[rows x 8] = A[rows x K] · P[K x 8]; A(i,k) at a + i*ars + k*aks; C rows ldc bytes apart.
  (func (export "${name}") (param $a i32) (param $ars i32) (param $aks i32) (param $bp i32) (param $c i32) (param $ldc i32) (param $K i32)
    (local $k i32) (local $cp i32) (local $b0 v128) (local $b1 v128) (local $av v128) ${locals.join(' ')}
    ${init}
    (local.set $k (local.get $K))
    (block $done
      (br_if $done (i32.lt_s (local.get $k) (i32.const 2)))
      (loop $l2
        ${kstep(rows)}
        ${kstep(rows)}
        (local.set $k (i32.sub (local.get $k) (i32.const 2)))
        (br_if $l2 (i32.ge_s (local.get $k) (i32.const 2)))))
    (if (i32.gt_s (local.get $k) (i32.const 0)) (then ${kstep(rows)}))
    ${store})`;
  };
  return `(module
  (import "env" "memory" (memory 1 65536 ${shared ? 'shared' : ''}))
  ${kernel('k4x8', 4)}
  ${kernel('k1x8', 1)}
  ;; P[K x 8] = B(k, n0 + j), j < nvalid (zeros beyond); B(k, n) at b + k*bks + n*bns.
  (func (export "pack") (param $b i32) (param $bks i32) (param $bns i32) (param $K i32) (param $nvalid i32) (param $dst i32)
    (local $k i32) (local $j i32) (local $row i32)
    (block $kd (loop $kl
      (br_if $kd (i32.ge_s (local.get $k) (local.get $K)))
      (if (i32.and (i32.eq (local.get $bns) (i32.const 4)) (i32.eq (local.get $nvalid) (i32.const 8)))
        (then
          (v128.store (local.get $dst) (v128.load (local.get $b)))
          (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $b))))
        (else
          (local.set $j (i32.const 0))
          (local.set $row (local.get $b))
          (block $jd (loop $jl
            (br_if $jd (i32.ge_s (local.get $j) (i32.const 8)))
            (f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
              (if (result f32) (i32.lt_s (local.get $j) (local.get $nvalid))
                (then (f32.load (local.get $row))) (else (f32.const 0))))
            (local.set $row (i32.add (local.get $row) (local.get $bns)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jl)))))
      (local.set $b (i32.add (local.get $b) (local.get $bks)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $kl))))
  ;; C(i, j) = T(i, j) for i < M, j < nvalid; T rows are 32 bytes.
  (func (export "copycols") (param $t i32) (param $M i32) (param $nvalid i32) (param $c i32) (param $ldc i32)
    (local $i i32) (local $j i32)
    (block $id (loop $il
      (br_if $id (i32.ge_s (local.get $i) (local.get $M)))
      (local.set $j (i32.const 0))
      (block $jd (loop $jl
        (br_if $jd (i32.ge_s (local.get $j) (local.get $nvalid)))
        (f32.store (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2)))
          (f32.load (i32.add (local.get $t) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $jl)))
      (local.set $t (i32.add (local.get $t) (i32.const 32)))
      (local.set $c (i32.add (local.get $c) (local.get $ldc)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $il))))
  ;; C[M x N] += bias[N] (if bias != 0), then max(C, 0) if relu.
  (func (export "biasact") (param $c i32) (param $M i32) (param $N i32) (param $bias i32) (param $relu i32)
    (local $i i32) (local $j i32) (local $v f32)
    (block $id (loop $il
      (br_if $id (i32.ge_s (local.get $i) (local.get $M)))
      (local.set $j (i32.const 0))
      (block $jd (loop $jl
        (br_if $jd (i32.ge_s (local.get $j) (local.get $N)))
        (local.set $v (f32.load (local.get $c)))
        (if (local.get $bias) (then (local.set $v (f32.add (local.get $v) (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))))))
        (if (local.get $relu) (then (local.set $v (f32.max (local.get $v) (f32.const 0)))))
        (f32.store (local.get $c) (local.get $v))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $jl)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $il))))
)`;
}

export interface GemmExports {
  k4x8(a: number, ars: number, aks: number, bp: number, c: number, ldc: number, K: number): void;
  k1x8(a: number, ars: number, aks: number, bp: number, c: number, ldc: number, K: number): void;
  pack(b: number, bks: number, bns: number, K: number, nvalid: number, dst: number): void;
  copycols(t: number, M: number, nvalid: number, c: number, ldc: number): void;
  biasact(c: number, M: number, N: number, bias: number, relu: number): void;
}

/** Control block slots shared with the helper thread. */
const J = { SEQ: 0, DONE: 1, A: 2, ARS: 3, AKS: 4, B: 5, BKS: 6, BNS: 7, C: 8, LDC: 9, M: 10, K: 11, N: 12, P0: 13, P1: 14, PACK: 15, TILE: 16, ERR: 17, STOP: 18, CLAIM: 19, SIZE: 20 } as const;

/** How long the calling thread lets the helper take a job before doing its half itself. */
const CLAIM_WAIT_MS = 20;

/**
 * Runs panels [p0, p1) of C = A·B (8 columns each). Self-contained: its source is also run by the
 * helper thread (see startHelper), so it may only use its arguments.
 */
function runPanels(x: GemmExports, j: Int32Array, p0: number, p1: number, pack: number, tile: number): void {
  const a = j[2], ars = j[3], aks = j[4], b = j[5], bks = j[6], bns = j[7], c = j[8], ldc = j[9], M = j[10], K = j[11], N = j[12];
  const m4 = M - (M % 4);
  for (let p = p0; p < p1; p++) {
    const n0 = p * 8;
    const nvalid = Math.min(8, N - n0);
    x.pack(b + n0 * bns, bks, bns, K, nvalid, pack);
    if (nvalid === 8) {
      for (let i = 0; i < m4; i += 4) x.k4x8(a + i * ars, ars, aks, pack, c + i * ldc + n0 * 4, ldc, K);
      for (let i = m4; i < M; i++) x.k1x8(a + i * ars, ars, aks, pack, c + i * ldc + n0 * 4, ldc, K);
    } else {
      for (let i = 0; i < m4; i += 4) x.k4x8(a + i * ars, ars, aks, pack, tile + i * 32, 32, K);
      for (let i = m4; i < M; i++) x.k1x8(a + i * ars, ars, aks, pack, tile + i * 32, 32, K);
      x.copycols(tile, M, nvalid, c + n0 * 4, ldc);
    }
  }
}

/** Source of the helper thread: instantiate the kernels on the shared memory, serve jobs. */
function helperSource(): string {
  // (__name: the helper esbuild/tsx may wrap named functions with when the source runs under tsx.)
  return `
const __name = (f) => f;
const { workerData } = require('node:worker_threads');
const runPanels = ${runPanels.toString()};
const { module, memory, control } = workerData;
const x = new WebAssembly.Instance(module, { env: { memory } }).exports;
const j = new Int32Array(control);
let seen = Atomics.load(j, ${J.SEQ});
for (;;) {
  Atomics.wait(j, ${J.SEQ}, seen);
  if (Atomics.load(j, ${J.STOP})) break;
  seen = Atomics.load(j, ${J.SEQ});
  // Take the job unless the calling thread already gave up waiting and took it back.
  if (Atomics.compareExchange(j, ${J.CLAIM}, seen - 1, seen) !== seen - 1) continue;
  Atomics.notify(j, ${J.CLAIM});
  try { runPanels(x, j, j[${J.P0}], j[${J.P1}], j[${J.PACK}], j[${J.TILE}]); }
  catch (e) { Atomics.store(j, ${J.ERR}, 1); }
  Atomics.store(j, ${J.DONE}, seen);
  Atomics.notify(j, ${J.DONE});
}`;
}

export interface WasmHeap {
  memory: WebAssembly.Memory;
  malloc(bytes: number): number;
  free(ptr: number): void;
}

/** C = op(A)·op(B) on tensors in the wasm heap, split over this thread and (optionally) a helper. */
export class WasmGemm {
  readonly x: GemmExports;
  private readonly control = new Int32Array(new SharedArrayBuffer(J.SIZE * 4));
  private helper: Worker | null = null;
  private scratch = 0;
  private scratchBytes = 0;
  /** Jobs whose helper half the calling thread ran itself (helper late or gone). */
  misses = 0;

  private constructor(
    private readonly heap: WasmHeap,
    private readonly module: WebAssembly.Module,
  ) {
    this.x = new WebAssembly.Instance(module, { env: { memory: heap.memory } }).exports as unknown as GemmExports;
  }

  /** Assembles the kernels (wabt) for this heap; `helper` starts the second thread (shared memory only). */
  static async create(heap: WasmHeap, opts: { helper: boolean }): Promise<WasmGemm> {
    const shared = typeof SharedArrayBuffer === 'function' && heap.memory.buffer instanceof SharedArrayBuffer;
    const wabtInit = (await import('wabt')).default as unknown as () => Promise<{ parseWat: (n: string, t: string, f: object) => { toBinary(o: object): { buffer: Uint8Array }; destroy(): void } }>;
    const wabt = await wabtInit();
    const parsed = wabt.parseWat('gemm.wat', gemmWat(shared), { simd: true, threads: shared });
    const bin = parsed.toBinary({}).buffer;
    parsed.destroy();
    const module = new WebAssembly.Module(bin as Uint8Array<ArrayBuffer>);
    const g = new WasmGemm(heap, module);
    if (opts.helper && shared) g.startHelper();
    return g;
  }

  get threads(): number {
    return this.helper ? 2 : 1;
  }

  private startHelper(): void {
    const w = new Worker(helperSource(), { eval: true, workerData: { module: this.module, memory: this.heap.memory, control: this.control.buffer } });
    w.unref();
    w.on('error', () => (this.helper = null));
    w.on('exit', () => (this.helper = null));
    this.helper = w;
  }

  /** Packing and edge-tile scratch for both threads (grows, never shrinks). */
  private ensureScratch(M: number, K: number): number {
    const need = 2 * (K * 32 + 64 + M * 32 + 64) + 16;
    if (need > this.scratchBytes) {
      if (this.scratch) this.heap.free(this.scratch);
      this.scratch = this.heap.malloc(need);
      if (!this.scratch) throw new Error('gemm: out of wasm memory');
      this.scratchBytes = need;
    }
    return this.scratch;
  }

  /**
   * C[M×N] = op(A)[M×K] · op(B)[K×N] (+ bias, ReLU); pointers are byte offsets in the heap.
   * A is stored [M,K] (or [K,M] when transA), B [K,N] (or [N,K] when transB).
   */
  matmul(a: number, b: number, c: number, M: number, K: number, N: number, transA: boolean, transB: boolean, bias = 0, relu = false): void {
    const j = this.control;
    const base = this.ensureScratch(M, K);
    j[J.A] = a;
    j[J.ARS] = transA ? 4 : K * 4;
    j[J.AKS] = transA ? M * 4 : 4;
    j[J.B] = b;
    j[J.BKS] = transB ? 4 : N * 4;
    j[J.BNS] = transB ? K * 4 : 4;
    j[J.C] = c;
    j[J.LDC] = N * 4;
    j[J.M] = M;
    j[J.K] = K;
    j[J.N] = N;
    // 16-byte aligned scratch: this thread's pack panel and edge tile, then the helper's.
    const pack0 = (base + 15) & ~15;
    const tile0 = pack0 + K * 32 + 64;
    j[J.PACK] = tile0 + M * 32 + 64;
    j[J.TILE] = j[J.PACK] + K * 32 + 64;
    const panels = Math.ceil(N / NR);
    const split = this.helper && panels >= 2 && M * K * N >= 1 << 16 ? Math.ceil(panels / 2) : panels;
    if (split < panels) {
      j[J.P0] = split;
      j[J.P1] = panels;
      j[J.ERR] = 0;
      const seq = j[J.SEQ] + 1;
      Atomics.store(j, J.SEQ, seq);
      Atomics.notify(j, J.SEQ);
      runPanels(this.x, j, 0, split, pack0, tile0);
      // The helper normally took its half long ago; if it has not (dead, or descheduled), take
      // it back (the claim is a compare-exchange: exactly one thread runs those panels).
      if (Atomics.load(j, J.CLAIM) !== seq) Atomics.wait(j, J.CLAIM, seq - 1, CLAIM_WAIT_MS);
      if (Atomics.compareExchange(j, J.CLAIM, seq - 1, seq) === seq - 1) {
        runPanels(this.x, j, split, panels, pack0, tile0);
        this.misses++;
      } else {
        while (Atomics.load(j, J.DONE) !== seq) Atomics.wait(j, J.DONE, Atomics.load(j, J.DONE), 1000);
        if (j[J.ERR]) throw new Error('gemm: the helper thread failed');
      }
    } else {
      runPanels(this.x, j, 0, panels, pack0, tile0);
    }
    if (bias || relu) this.x.biasact(c, M, N, bias, relu ? 1 : 0);
  }

  dispose(): void {
    if (this.helper) {
      Atomics.store(this.control, J.STOP, 1);
      Atomics.add(this.control, J.SEQ, 1);
      Atomics.notify(this.control, J.SEQ);
      this.helper = null;
    }
    if (this.scratch) this.heap.free(this.scratch);
    this.scratch = 0;
    this.scratchBytes = 0;
  }
}

// ----------------------------------------------------------------------------------------------
// tfjs kernel overrides

interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: string): TensorInfo;
}

const MARK = Symbol.for('latent-lab.gemm-override');

/**
 * Routes float32 BatchMatMul / _FusedMatMul (batch 1; bias of length N; linear or ReLU) on the
 * `wasm` backend to `gemm`; everything else goes to the kernels registered before (our transpose
 * overrides, then tfjs's). Returns what it installed.
 */
export function installGemmOverrides(tf: Tf, gemm: WasmGemm): string[] {
  const done: string[] = [];
  for (const name of ['BatchMatMul', '_FusedMatMul'] as const) {
    const prev = tf.getKernel(name, 'wasm');
    if (!prev || (prev.kernelFunc as { [MARK]?: boolean })[MARK]) continue;
    const prevFunc = prev.kernelFunc;
    const func = ((args: { inputs: Record<string, TensorInfo | undefined>; backend: unknown; attrs: Record<string, unknown> }) => {
      const out = tryGemm(gemm, name, args);
      return out ?? prevFunc(args as never);
    }) as typeof prevFunc & { [MARK]?: boolean };
    func[MARK] = true;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...prev, kernelFunc: func });
    done.push(`${name}: own wasm SIMD GEMM on ${gemm.threads} thread${gemm.threads > 1 ? 's' : ''} (no transposes, no per-call repacking)`);
  }
  return done;
}

function tryGemm(
  gemm: WasmGemm,
  name: string,
  { inputs, backend, attrs }: { inputs: Record<string, TensorInfo | undefined>; backend: unknown; attrs: Record<string, unknown> },
): TensorInfo | null {
  const a = inputs.a;
  const b = inputs.b;
  if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const batch = (s: number[]) => s.slice(0, -2).reduce((x, y) => x * y, 1);
  if (a.shape.length < 2 || b.shape.length < 2 || a.shape.length > 3 || b.shape.length !== a.shape.length) return null;
  if (batch(a.shape) !== 1 || batch(b.shape) !== 1) return null;
  const transA = Boolean(attrs.transposeA);
  const transB = Boolean(attrs.transposeB);
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const M = transA ? ac : ar;
  const K = transA ? ar : ac;
  const N = transB ? br : bc;
  if ((transB ? bc : br) !== K || M === 0 || N === 0 || K === 0) return null;
  let relu = false;
  let biasPtr = 0;
  const be = backend as WasmBackendLike;
  if (name === '_FusedMatMul') {
    const act = attrs.activation ?? 'linear';
    if (act !== 'linear' && act !== 'relu') return null;
    if (inputs.preluActivationWeights) return null;
    relu = act === 'relu';
    const bias = inputs.bias;
    if (bias) {
      if (bias.dtype !== 'float32' || bias.shape.reduce((x, y) => x * y, 1) !== N || bias.shape.length !== 1) return null;
      biasPtr = be.dataIdMap.get(bias.dataId)?.memoryOffset ?? 0;
      if (!biasPtr) return null;
    }
  }
  const ap = be.dataIdMap.get(a.dataId)?.memoryOffset;
  const bp = be.dataIdMap.get(b.dataId)?.memoryOffset;
  if (!ap || !bp) return null;
  const outShape = a.shape.length === 3 ? [1, M, N] : [M, N];
  const out = be.makeOutput(outShape, 'float32');
  const cp = be.dataIdMap.get(out.dataId)!.memoryOffset;
  gemm.matmul(ap, bp, cp, M, K, N, transA, transB, biasPtr, relu);
  return out;
}

export { MR, NR };
