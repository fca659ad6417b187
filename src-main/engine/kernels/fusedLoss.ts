/**
 * Bernoulli reconstruction loss from logits as one differentiable op with a hand-written
 * gradient, for the wasm backend's training path.
 *
 * Per sample: sum_j  softplus(l_j) - x_j·l_j   (= BCE(sigmoid(l), x) summed over pixels),
 * computed as  relu(l) - x·l - log(sigmoid(|l|))  (sigmoid(|l|) ∈ [0.5, 1]: no overflow, no log(0)).
 * Gradient: dL/dl = dy·(sigmoid(l) - x),  dL/dx = -dy·l.
 *
 * Why: with a sigmoid output layer + clipped-probability BCE, autodiff runs two wasm Log
 * kernels forward, two divisions backward and the ClipByValue gradient (GreaterEqual,
 * LessEqual, LogicalAnd, Select: slow generic wasm kernels, ~6 ms per 256×784 batch). This
 * needs one Log, two Sigmoids (XNNPACK, fast) and a few element-wise ops.
 * The decoder's last Dense layer must then be linear (logits); apply tf.sigmoid for images.
 */
import type * as tfType from '@tensorflow/tfjs';

type Tf = typeof tfType;

/** Per-sample BCE summed over the last axis; `logits` and `x` have the same shape [N, D]. */
export function bceWithLogitsSum(tf: Tf, logits: tfType.Tensor, x: tfType.Tensor): tfType.Tensor {
  const op = tf.customGrad(((l: tfType.Tensor, t: tfType.Tensor, save: tfType.GradSaveFunc) => {
    save([l, t]);
    const perPixel = tf.sub(tf.sub(tf.relu(l), tf.mul(t, l)), tf.log(tf.sigmoid(tf.abs(l))));
    return {
      value: tf.sum(perPixel, -1),
      gradFunc: (dy: tfType.Tensor | tfType.Tensor[], saved: tfType.Tensor[]) => {
        const [ls, ts] = saved;
        const d = tf.expandDims(dy as tfType.Tensor, -1);
        return [tf.mul(d, tf.sub(tf.sigmoid(ls), ts)), tf.neg(tf.mul(d, ls))];
      },
    };
  }) as unknown as Parameters<Tf['customGrad']>[0]);
  return op(logits, x);
}
