/**
 * Every numeric CLI flag and the settings field it sets: its range (integer or not, bounds) is
 * read from that field's zod schema, so the CLI's messages ("--latent must be an integer from 2
 * to 64") say what the engine would accept and never drift from it.
 */
import type { z } from 'zod';
import { ModelConfig } from '../../src-shared/model';
import { ExportRequest } from '../../src-shared/runs';
import { TrainConfig } from '../../src-shared/training';

/** A numeric flag's accepted values: integer or any number, and its bounds (absent: unbounded). */
export interface NumberRange {
  int: boolean;
  min?: number;
  minInclusive: boolean;
  max?: number;
  maxInclusive: boolean;
}

const model = ModelConfig.in.shape;
const train = TrainConfig.in.shape;
const exp = ExportRequest.shape;

/** The schema of each numeric flag's value (a list flag: of one element). */
const FLAG_SCHEMAS: Record<string, z.ZodType> = {
  latent: model.latentDim,
  hidden: model.hidden.unwrap().element,
  filters: model.convFilters.unwrap().element,
  beta: model.beta,
  warmup: model.klWarmupEpochs,
  sigma: model.sigma,
  gamma: model.gamma,
  'pixel-weight': model.pixelWeight,
  'disc-lr-scale': model.discLrScale,
  'ema-decay': model.emaDecay,
  epochs: train.epochs,
  batch: train.batchSize,
  lr: train.learningRate,
  seed: train.seed,
  count: exp.count,
  temperature: exp.temperature,
};

interface CheckDef {
  check: string;
  value?: number;
  inclusive?: boolean;
  format?: string;
}

/** The number schema under `.optional()` / `.default()` wrappers. */
function innerNumber(s: z.ZodType): z.ZodType {
  let t = s as unknown as { _zod: { def: { type: string; innerType?: unknown } } };
  while (t._zod.def.innerType) t = t._zod.def.innerType as typeof t;
  return t as unknown as z.ZodType;
}

/** `flag`'s range from its schema's checks; undefined for a flag without one. */
export function numberRange(flag: string): NumberRange | undefined {
  if (!Object.hasOwn(FLAG_SCHEMAS, flag)) return undefined;
  const s = innerNumber(FLAG_SCHEMAS[flag]) as unknown as { _zod: { def: { checks?: { _zod: { def: CheckDef } }[] } } };
  const r: NumberRange = { int: false, minInclusive: true, maxInclusive: true };
  for (const c of s._zod.def.checks ?? []) {
    const d = c._zod.def;
    if (d.check === 'number_format' && d.format?.includes('int')) r.int = true;
    else if (d.check === 'greater_than') [r.min, r.minInclusive] = [d.value, !!d.inclusive];
    else if (d.check === 'less_than') [r.max, r.maxInclusive] = [d.value, !!d.inclusive];
  }
  return r;
}

/** The numeric flags (for tests and help). */
export const NUMERIC_FLAGS = Object.keys(FLAG_SCHEMAS);
