/**
 * A stand-in for the in-app classifier's training (engine tests that must not train a CNN): a
 * training that holds until released, then yields an untrained classifier (test accuracy 0.5)
 * for `data`; an abort of `signal` rejects it with CANCELLED, as the real training does.
 */
import { LabError } from '../../src-shared/types';
import { Classifier, type ClassifierData } from '../../src-main/engine/classifier/classifier';
import { buildClassifierModel, classifierLayers, classifierTraining, CLASSIFIER_VERSION } from '../../src-main/engine/classifier/model';

export function heldClassifierTraining(data: ClassifierData, signal: AbortSignal): { result: Promise<Classifier>; release: () => void } {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const result = new Promise<Classifier>((resolve, reject) => {
    signal.addEventListener('abort', () => reject(new LabError('CANCELLED', 'classifier training cancelled')), { once: true });
    void released.then(() => {
      const layers = classifierLayers(data.shape, data.labelNames.length);
      const info = {
        version: CLASSIFIER_VERSION,
        dataset: data.identity,
        labelNames: data.labelNames,
        layers,
        training: classifierTraining(data.train.count),
        testAccuracy: 0.5,
        testCount: data.test.count,
        trainCount: data.train.count,
        trainSeconds: 1,
        workers: 1,
        simd: 'plain' as const,
        trainedAt: new Date().toISOString(),
      };
      resolve(new Classifier(buildClassifierModel(layers, 1), info));
    });
  });
  return { result, release };
}
