/**
 * The in-app classifier's training checkpoint: written at each epoch's end (./train.ts
 * `onEpochEnd`) into the classifier's cache folder, so that a training stopped for a run (or by
 * a quit) goes on from its last finished epoch instead of epoch 1. One file, written atomically
 * (../atomicWrite.ts), removed with the folder's old content once the classifier is saved
 * (./store.ts):
 *
 *   <folder>/training-checkpoint.bin
 *     "LLCLFCK1"                     8 bytes, the format's magic
 *     header length                  uint32 little-endian
 *     header                         JSON (`CheckpointHeader`), UTF-8, padded with spaces to 4 bytes
 *     weights, Adam's m, Adam's v    3 × P float32 little-endian (`trainableWeights` order)
 *
 * The header names what the checkpoint belongs to (classifier version, dataset identity, layers,
 * training settings, training-set size) and a SHA-256 of the floats: a file that is cut short,
 * altered or of another training is refused with the reason, never used. Cost: 5.5 MB for the
 * 28×28 classifier (459,082 weights), 11–38 ms of CPU per write (hash included) on the loaded
 * 2-core test machine, once per epoch of ≥ 10 s: under 0.5 %.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../atomicWrite';
import type { ClassifierLayers } from '../kernels/dense/classifierPlan';
import type { ClassifierTraining } from './model';
import type { ClassifierCheckpoint } from './train';

export const CHECKPOINT_FILE = 'training-checkpoint.bin';
const MAGIC = 'LLCLFCK1';
const FORMAT = 1;
/** Largest header read (a corrupt length field must not allocate gigabytes). */
const MAX_HEADER = 1 << 20;

/** What a checkpoint belongs to: a training with other values cannot go on from it. */
export interface CheckpointOwner {
  version: number;
  dataset: { key: string; fingerprint: string };
  layers: ClassifierLayers;
  training: ClassifierTraining;
  trainCount: number;
}

interface CheckpointHeader {
  format: number;
  owner: CheckpointOwner;
  epoch: number;
  step: number;
  workers: number;
  /** Weights per array. */
  P: number;
  /** SHA-256 (hex) of the three float arrays' bytes. */
  sha256: string;
}

/** JSON with object keys sorted (so that equal values compare equal whatever their key order). */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Writes `cp` of the training `owner` to `<folder>/training-checkpoint.bin` atomically (the
 * folder is created if missing). Throws LabError('IO') naming the file.
 */
export async function writeCheckpoint(folder: string, owner: CheckpointOwner, cp: ClassifierCheckpoint): Promise<void> {
  const P = cp.weights.length;
  const hash = createHash('sha256');
  for (const a of [cp.weights, cp.m, cp.v]) hash.update(bytesOf(a));
  const header: CheckpointHeader = { format: FORMAT, owner, epoch: cp.epoch, step: cp.step, workers: cp.workers, P, sha256: hash.digest('hex') };
  let json = JSON.stringify(header);
  while ((MAGIC.length + 4 + Buffer.byteLength(json)) % 4) json += ' ';
  const head = Buffer.alloc(MAGIC.length + 4);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(Buffer.byteLength(json), MAGIC.length);
  await fsp.mkdir(folder, { recursive: true });
  await writeFileAtomic(path.join(folder, CHECKPOINT_FILE), [head, Buffer.from(json), bytesOf(cp.weights), bytesOf(cp.m), bytesOf(cp.v)]);
}

/** What `readCheckpoint` found: nothing, a checkpoint of `owner`'s training, or a file refused (why, in words). */
export type CheckpointRead = { state: 'none' } | { state: 'ok'; checkpoint: ClassifierCheckpoint } | { state: 'refused'; file: string; why: string };

/**
 * The checkpoint in `folder` when it is whole and belongs to `owner`'s training. Never throws:
 * a missing file is `none`; an unreadable, cut, altered or foreign one is `refused` with the reason.
 */
export async function readCheckpoint(folder: string, owner: CheckpointOwner): Promise<CheckpointRead> {
  const file = path.join(folder, CHECKPOINT_FILE);
  let buf: Buffer;
  try {
    buf = await fsp.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? { state: 'none' } : { state: 'refused', file, why: `cannot read it (${(err as Error).message})` };
  }
  const refused = (why: string): CheckpointRead => ({ state: 'refused', file, why });
  const H = MAGIC.length + 4;
  if (buf.length < H || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return refused('it is not a classifier checkpoint');
  const len = buf.readUInt32LE(MAGIC.length);
  if (len > MAX_HEADER || H + len > buf.length) return refused('its header is cut short');
  let header: CheckpointHeader;
  try {
    header = JSON.parse(buf.toString('utf8', H, H + len)) as CheckpointHeader;
  } catch {
    return refused('its header is not JSON');
  }
  if (header?.format !== FORMAT) return refused(`it is of format ${String(header?.format)}, not ${FORMAT}`);
  if (canonical(header.owner) !== canonical(owner)) return refused('it belongs to another classifier, dataset or training setting');
  const P = header.P;
  const start = H + len;
  if (!(Number.isInteger(P) && P > 0) || buf.length !== start + 3 * P * 4) return refused(`it holds ${buf.length - start} bytes of weights, not 3 × ${P} floats`);
  const floats = new Float32Array(3 * P);
  new Uint8Array(floats.buffer).set(buf.subarray(start));
  if (createHash('sha256').update(new Uint8Array(floats.buffer)).digest('hex') !== header.sha256) return refused('its weights do not match their checksum');
  return {
    state: 'ok',
    checkpoint: { epoch: header.epoch, step: header.step, workers: header.workers, weights: floats.subarray(0, P), m: floats.subarray(P, 2 * P), v: floats.subarray(2 * P) },
  };
}

/** Removes `folder`'s checkpoint (nothing when there is none). Never throws. */
export async function removeCheckpoint(folder: string): Promise<void> {
  await fsp.rm(path.join(folder, CHECKPOINT_FILE), { force: true }).catch(() => undefined);
}
