/**
 * The one place that decides whether a model bundle's forward passes (metrics.ts: `evaluate`,
 * `encodeArrays`, `decodeArrays`, and everything built on them) run on the kernels
 * (./kernelForward.ts) or on tfjs: the kernels whenever they take the model, tfjs otherwise
 * (an activation the kernels lack, a layout that does not match the tfjs variables, no memory,
 * no SharedArrayBuffer, `LATENT_LAB_DENSE=0`, or `setKernelForward(false)`).
 *
 * One KernelForward per bundle, kept while the bundle lives (a WeakMap). Its weights are the
 * bundle's tfjs variables: every write to a variable (`Variable.assign`, which the trainer's
 * `assignFlat`, the optimizers, `setWeights` and model loading all go through) gives it a new
 * `dataId`, so the instance keeps the dataIds it copied and copies the weights again when any
 * differs. Checking costs one comparison per tensor; a copy, one `dataSync` of each.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelBundle, ModelSpec } from '../../models/build';
import { envValue } from '../../../env';
import { denseUnsupported } from './densePlan';
import { KernelForward } from './kernelForward';

interface Entry {
  forward: KernelForward | null;
  /** Why the kernels do not run this bundle (null when they do). */
  why: string | null;
  /** The variables' dataIds the kernel weights were copied from. */
  ids: object[];
}

const entries = new WeakMap<ModelBundle, Entry>();
let enabled = true;

/** Test and bench hook: false sends every forward pass to tfjs (true: the default policy). */
export function setKernelForward(on: boolean): void {
  enabled = on;
}

/** Whether forward passes may run on the kernels at all: not after `setKernelForward(false)` or with `LATENT_LAB_DENSE=0` (read each time). */
function kernelsOn(): boolean {
  return enabled && envValue('LATENT_LAB_DENSE')?.trim() !== '0';
}

/** Whether the kernels would run forward passes of a model of this spec (a config-level check). */
export function kernelForwardSupported(spec: Pick<ModelSpec, 'config'>): boolean {
  return kernelsOn() && typeof SharedArrayBuffer === 'function' && denseUnsupported(spec) === null;
}

/** The encoder's then the decoder's trainable variables: the order of the kernels' tensors. */
function variables(bundle: ModelBundle): tf.Tensor[] {
  return [...bundle.encoder.trainableWeights, ...bundle.decoder.trainableWeights].map((w) => w.read());
}

function build(bundle: ModelBundle): Entry {
  if (!kernelForwardSupported(bundle)) return { forward: null, why: 'not supported', ids: [] };
  try {
    const forward = new KernelForward(bundle);
    const got = forward.plan.tensors.map((t) => t.shape.join('x')).join(', ');
    const want = variables(bundle)
      .map((v) => v.shape.join('x'))
      .join(', ');
    if (got !== want) return { forward: null, why: `layout [${got}] is not the model's [${want}]`, ids: [] };
    return { forward, why: null, ids: [] };
  } catch (err) {
    return { forward: null, why: (err as Error).message, ids: [] };
  }
}

/**
 * The kernels' forward passes for `bundle` holding its current weights, or null when tfjs runs
 * them (see the file's comment; `labels`: a CVAE's labels outside [0, numClasses) also go to
 * tfjs, which gives them a zero one-hot row as before).
 */
export function kernelForwardFor(bundle: ModelBundle, labels?: Int32Array | null): KernelForward | null {
  if (!kernelsOn()) return null;
  let entry = entries.get(bundle);
  if (!entry) {
    entry = build(bundle);
    entries.set(bundle, entry);
  }
  const { forward } = entry;
  if (!forward) return null;
  if (labels && forward.plan.conditional) {
    for (let i = 0; i < labels.length; i++) if (!(labels[i] >= 0 && labels[i] < forward.plan.classes)) return null;
  }
  const vars = variables(bundle);
  if (vars.length !== entry.ids.length || vars.some((v, i) => v.dataId !== entry.ids[i])) {
    const flat = new Float32Array(forward.plan.P);
    let off = 0;
    for (const v of vars) {
      flat.set(v.dataSync() as Float32Array, off);
      off += v.size;
    }
    forward.setWeights(flat);
    entry.ids = vars.map((v) => v.dataId);
  }
  return forward;
}

/** Why the kernels do not run `bundle`'s forward passes (null when they do, or it was not asked yet). */
export function kernelForwardNote(bundle: ModelBundle): string | null {
  return entries.get(bundle)?.why ?? null;
}
