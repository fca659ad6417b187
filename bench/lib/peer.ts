/** Runs bench/peer/torch_peer.py (PyTorch reference) and parses its one JSON line. */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { errMsg, log } from './util';

export const PYTHON = '/usr/bin/python3';
export const PEER = path.join(__dirname, '..', 'peer', 'torch_peer.py');

export interface PeerResult {
  model: string;
  threads: number;
  openblasThreads: string | null;
  blas: string;
  blasDetail: Record<string, unknown>;
  samplesPerSecond: number;
  samplesPerCpuSecond: number;
  epochSamplesPerSecond: number[];
  test: { elbo: number; recon: number; kl: number } | null;
  epochs: number;
  torch: string;
  /** Trainable parameters of the peer's model (equals the app's countParams for the same spec). */
  params?: number;
  /** Epochs (some cut short by --seconds), samples and wall seconds of the training. */
  epochsRun?: number;
  samplesSeen?: number;
  trainSeconds?: number;
  /** VAE-GAN: the last epoch's mean terms. */
  gan?: Record<string, number> | null;
}

function peerEnv(openblasThreads: number, torchThreads: number): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  env.OPENBLAS_NUM_THREADS = String(openblasThreads);
  env.OMP_NUM_THREADS = String(torchThreads);
  return env;
}

/** null when `/usr/bin/python3 -c 'import torch'` works, else the reason. */
export function torchUnavailable(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], {
    env: peerEnv(1, 1),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) return `${PYTHON} cannot run: ${errMsg(r.error)}`;
  if (r.status !== 0) return `${PYTHON} -c 'import torch' failed: ${(r.stderr || '').trim().split('\n').pop()}`;
  return null;
}

export interface PeerArgs {
  data: string;
  model: 'ae' | 'vae' | 'cvae' | 'vaegan';
  latent?: number;
  /** Dense layer sizes (the peer's default when absent: 256 for dense, per image size for conv). */
  hidden?: number | number[];
  /** `conv`: the peer's conv mode (models/conv.ts's architecture); `shape` and `filters` as there. */
  arch?: 'dense' | 'conv';
  shape?: [number, number, number];
  filters?: number[];
  epochs: number;
  batch?: number;
  lr?: number;
  seed?: number;
  torchThreads: number;
  openblasThreads: number;
  measureSteps?: number;
  noEval?: boolean;
  /** Train for this many wall seconds (`epochs` then caps it). */
  seconds?: number;
  /** Folder for generated.f32 / recon.f32 (prior samples and test reconstructions, flat rows). */
  dump?: string;
  /** VAE-GAN settings (the peer's defaults are the app's VAEGAN_DEFAULTS). */
  gamma?: number;
  pixelWeight?: number;
  discLrScale?: number;
}

export function runPeer(a: PeerArgs): Promise<PeerResult> {
  const args = [
    PEER,
    '--data', a.data,
    '--model', a.model,
    '--latent', String(a.latent ?? 3),
    '--epochs', String(a.epochs),
    '--batch', String(a.batch ?? 256),
    '--lr', String(a.lr ?? 1e-3),
    '--seed', String(a.seed ?? 1),
    '--threads', String(a.torchThreads),
  ];
  if (a.hidden !== undefined) args.push('--hidden', [a.hidden].flat().join(','));
  if (a.arch) args.push('--arch', a.arch);
  if (a.shape) args.push('--shape', a.shape.join(','));
  if (a.filters) args.push('--filters', a.filters.join(','));
  if (a.measureSteps) args.push('--measure-steps', String(a.measureSteps));
  if (a.noEval) args.push('--no-eval');
  if (a.seconds) args.push('--seconds', String(a.seconds));
  if (a.dump) args.push('--dump', a.dump);
  if (a.gamma !== undefined) args.push('--gamma', String(a.gamma));
  if (a.pixelWeight !== undefined) args.push('--pixel-weight', String(a.pixelWeight));
  if (a.discLrScale !== undefined) args.push('--disc-lr-scale', String(a.discLrScale));
  return new Promise((resolve, reject) => {
    const p = spawn(PYTHON, args, { env: peerEnv(a.openblasThreads, a.torchThreads), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      if (code !== 0 || !line) {
        reject(new Error(`torch_peer.py exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      try {
        resolve(JSON.parse(line) as PeerResult);
      } catch (e) {
        reject(e);
      }
    });
  });
}

export async function runPeerLogged(a: PeerArgs): Promise<PeerResult> {
  log(`torch peer ${a.model} torch=${a.torchThreads} openblas=${a.openblasThreads} epochs=${a.epochs}${a.measureSteps ? ` steps=${a.measureSteps}` : ''}`);
  return runPeer(a);
}
