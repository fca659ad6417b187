/**
 * What the engine reports about itself: its tfjs backend and kernels (`BackendInfo`) and
 * `EngineInfo`. Re-exported by ./types.ts. Pure zod.
 */
import { z } from 'zod';

export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export const BackendName = z.enum(BACKENDS);
export type BackendName = z.infer<typeof BackendName>;

export const BackendInfo = z.object({
  backend: BackendName,
  /** Why each better backend was skipped, in preference order. */
  skipped: z.array(z.object({ backend: BackendName, reason: z.string() })),
  forced: z.boolean(),
  simd: z.boolean().optional(),
  threads: z.number().int().optional(),
  /** Threads the last (or current) run trains on (the engine's own thread keeps `threads`, i.e. 1). */
  trainThreads: z.number().int().optional(),
  /**
   * How the last (or current) run trains: `dense` = Latent Lab's own wasm SIMD kernels for dense
   * and conv models (the default), `tfjs` = tfjs ops; on how many threads. Unset until the first run.
   */
  training: z
    .object({
      kernels: z.enum(['dense', 'tfjs']),
      threads: z.number().int(),
      /** Why a run that would use the dense kernels did not (e.g. a model too big for them). */
      note: z.string().optional(),
      /** The kernels' build (dense kernels only): `relaxed` = relaxed SIMD (fused multiply-add), `plain` = SIMD. */
      simd: z.enum(['relaxed', 'plain']).optional(),
    })
    .optional(),
  /** Why wasm runs on fewer threads than asked for (e.g. the threaded build failed to load). */
  threadsNote: z.string().optional(),
  /** Kernel overrides installed at start (e.g. "BatchMatMul: transposes materialised"). */
  overrides: z.array(z.string()),
});
export type BackendInfo = z.infer<typeof BackendInfo>;

export const EngineInfo = z.object({
  appVersion: z.string(),
  tfjsVersion: z.string(),
  node: z.string(),
  platform: z.string(),
  backend: BackendInfo,
  workspace: z.string(),
  /**
   * Where exports go by default: a folder outside the workspace (exports never write inside it),
   * e.g. `~/Documents/Latent Lab exports`. The UI suggests `<exportRoot>/<run>-<date>`.
   */
  exportRoot: z.string().optional(),
  /** False when the in-app classifier is off (`LATENT_LAB_CLASSIFIER=0`): no Fréchet distance, generation accuracy… */
  classifier: z.boolean().optional(),
});
export type EngineInfo = z.infer<typeof EngineInfo>;
