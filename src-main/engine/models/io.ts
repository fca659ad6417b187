/**
 * Save and load models as standard tfjs LayersModels (`model.json` + `weights.bin`), without
 * relying on tfjs-node's `file://` handler (absent on wasm/cpu). Writes are atomic per file
 * (`../atomicWrite`); every write failure is LabError('IO') naming the path.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { LabError } from '../../../src-shared/types';
import { ioError, writeFileAtomic } from '../atomicWrite';
import { exists } from '../paths';
import { isGan, logitsModel, type ModelBundle, type ModelSpec } from './build';

function concatWeightData(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data);
  const total = data.reduce((s, b) => s + b.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  return out;
}

/**
 * Writes `<dir>/model.json` + `<dir>/weights.bin`, creating `dir` (and the folders above it; with
 * `parentMustExist` only `dir` itself: a missing parent is an error, ENOENT, never re-created).
 * Throws LabError('IO').
 */
export async function saveLayersModel(model: tf.LayersModel, dir: string, opts: { parentMustExist?: boolean } = {}): Promise<void> {
  await fs.mkdir(dir, { recursive: !opts.parentMustExist }).catch((err: unknown) => {
    throw ioError(err, dir, 'creating');
  });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = concatWeightData(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
      await writeFileAtomic(path.join(dir, 'weights.bin'), weights);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      await writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

export async function loadLayersModel(dir: string): Promise<tf.LayersModel> {
  let json: { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
  } catch (err) {
    throw new LabError('BAD_FILE', `cannot read ${path.join(dir, 'model.json')}: ${(err as Error).message}`);
  }
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers = await Promise.all(
    json.weightsManifest.flatMap((g) => g.paths).map((p) => fs.readFile(path.join(dir, path.basename(p)))),
  );
  const weights = Buffer.concat(buffers);
  const expected = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (weights.byteLength !== expected) {
    throw new LabError('BAD_FILE', `${path.join(dir, 'weights.bin')} has ${weights.byteLength} bytes, expected ${expected}`);
  }
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }));
}

/**
 * A run's model lives in `<run>/model/{encoder,decoder}` (and `discriminator` for a VAE-GAN). A checkpoint is written whole into
 * `model.tmp-<pid>/` and swapped in by two renames (`model` → `model.old`, tmp → `model`), so a
 * kill at any moment leaves either the previous pair or the new one — never a mixed pair.
 * A failed save (e.g. a full disk) removes its temp folder, puts the previous pair back if the
 * swap had begun, and throws LabError('IO') naming the path.
 * The run's folder is never created: every folder of the save is made inside the one above it
 * (no recursive mkdir), so a run folder removed while its run trains (a user's `rm -rf`, a file
 * manager's Delete) is not re-created as a half run; the save throws LabError('IO') (ENOENT,
 * naming the temp folder), which the trainer (../jobs/checkpointedTraining.ts) says as the run's
 * folder removed while training.
 */
export async function saveBundle(bundle: ModelBundle, runDir: string): Promise<void> {
  const final = path.join(runDir, 'model');
  const tmp = path.join(runDir, `model.tmp-${process.pid}`);
  const old = path.join(runDir, 'model.old');
  try {
    await fs.rm(tmp, { recursive: true, force: true });
    await fs.mkdir(tmp).catch((err: unknown) => {
      throw ioError(err, tmp, 'creating');
    });
    await saveLayersModel(bundle.encoder, path.join(tmp, 'encoder'), { parentMustExist: true });
    await saveLayersModel(bundle.decoder, path.join(tmp, 'decoder'), { parentMustExist: true });
    if (bundle.discriminator) await saveLayersModel(bundle.discriminator, path.join(tmp, 'discriminator'), { parentMustExist: true });
    await fs.rm(old, { recursive: true, force: true });
    await fs.rename(final, old).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await fs.rename(tmp, final);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    // The swap had begun (`model` moved aside) but the new pair did not land: put the old one back.
    if (!(await exists(final)) && (await exists(old))) await fs.rename(old, final).catch(() => undefined);
    throw ioError(err, tmp);
  }
  await fs.rm(old, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * Loads `<run>/model`, or `model.old` when a kill fell between the two renames of a save. A
 * VAE-GAN's discriminator too (BAD_FILE when it is missing).
 */
export async function loadBundle(spec: ModelSpec, runDir: string): Promise<ModelBundle> {
  let dir = path.join(runDir, 'model');
  try {
    await fs.access(dir);
  } catch {
    dir = path.join(runDir, 'model.old');
  }
  const encoder = await loadLayersModel(path.join(dir, 'encoder'));
  const decoder = await loadLayersModel(path.join(dir, 'decoder'));
  const discriminator = isGan(spec.config.kind) ? await loadLayersModel(path.join(dir, 'discriminator')) : undefined;
  return { ...spec, encoder, decoder, decoderLogits: logitsModel(decoder), ...(discriminator ? { discriminator } : {}) };
}
