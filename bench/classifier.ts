/**
 * A small MNIST classifier used by the bench to judge CVAE samples: Dense 784-256 (relu) -10
 * (softmax), Adam, a few epochs on the app's training split. Trains on whatever tfjs backend
 * is active (the engine's wasm in the bench).
 */
import * as tf from '@tensorflow/tfjs';

export interface Split {
  x: Float32Array;
  y: Int32Array;
  count: number;
}

export interface Classifier {
  model: tf.LayersModel;
  testAccuracy: number;
  epochs: number;
  trainSeconds: number;
  /** argmax labels of `count × 784` images. */
  predict(x: Float32Array, count: number): Int32Array;
  dispose(): void;
}

export async function trainClassifier(
  train: Split,
  test: Split,
  opts: { epochs?: number; seed?: number; batchSize?: number } = {},
): Promise<Classifier> {
  const epochs = opts.epochs ?? 5;
  const seed = opts.seed ?? 1;
  const D = train.x.length / train.count;
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [D], units: 256, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const xs = tf.tensor2d(train.x.subarray(0, train.count * D), [train.count, D]);
  const ys = tf.tensor1d(Float32Array.from(train.y.subarray(0, train.count)), 'float32');
  const t0 = performance.now();
  await model.fit(xs, ys, { epochs, batchSize: opts.batchSize ?? 128, shuffle: true, verbose: 0 });
  const trainSeconds = (performance.now() - t0) / 1000;
  xs.dispose();
  ys.dispose();
  const predict = (x: Float32Array, count: number): Int32Array =>
    tf.tidy(() => {
      const p = model.predict(tf.tensor2d(x.subarray(0, count * D), [count, D]), { batchSize: Math.max(count, 1) }) as tf.Tensor;
      return p.argMax(-1).dataSync() as Int32Array;
    });
  const pred = predict(test.x, test.count);
  let ok = 0;
  for (let i = 0; i < test.count; i++) if (pred[i] === test.y[i]) ok++;
  return {
    model,
    testAccuracy: ok / test.count,
    epochs,
    trainSeconds,
    predict,
    dispose: () => {
      model.dispose();
      optimizer.dispose(); // not owned by the model when passed as an instance
    },
  };
}
