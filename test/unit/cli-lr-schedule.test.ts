/**
 * The learning-rate schedule (`TrainConfig.lrSchedule`) on the CLI and in run names: `train
 * --lr-schedule constant|linear-decay` reaches the run's config, a bad value is refused in words
 * before anything trains, no flag sends none (the engine then uses the kind's
 * `DEFAULT_LR_SCHEDULE`), the usage says each kind's default; a new run's default name mentions
 * the schedule only when it is not its kind's default (" LR decay", " constant LR").
 */
import { existsSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src-main/cli/args';
import { trainConfig } from '../../src-main/cli/train';
import { commandUsage } from '../../src-main/cli/usage';
import { DEFAULT_LR_SCHEDULE, LR_SCHEDULES, TrainConfig, type TrainConfigInput } from '../../src-shared/types';
import { defaultRunName } from '../../src-shared/runNames';
import { writeDigits } from '../fixtures/digits';
import { runCli } from './cliOutput';

let ws: string;
let digits: string;
const cli = (args: string[]) => runCli(args, { home: path.join(ws, 'lab') });
const cfgOf = (argv: string[]) => trainConfig(parseCommandLine(argv).options);

beforeAll(async () => {
  ws = mkdtempSync(path.join(os.tmpdir(), 'll-lr-schedule-cli-'));
  digits = await writeDigits(path.join(ws, 'digits'), 200, 60);
});
afterAll(() => rmSync(ws, { recursive: true, force: true }));

describe('train --lr-schedule', () => {
  it('each schedule reaches the config, for every kind; no flag sends none, so the kind’s default applies', () => {
    for (const kind of ['ae', 'vae', 'cvae', 'vaegan'] as const) {
      for (const s of LR_SCHEDULES) {
        const c = cfgOf(['--model', kind, '--lr-schedule', s]);
        expect(c.lrSchedule, `${kind} ${s}`).toBe(s);
        expect(TrainConfig.parse(c).lrSchedule, `${kind} ${s}`).toBe(s);
      }
      const none = cfgOf(['--model', kind]);
      expect(Object.keys(none), kind).not.toContain('lrSchedule');
      expect(TrainConfig.parse(none).lrSchedule, kind).toBe(DEFAULT_LR_SCHEDULE[kind]);
    }
    expect(DEFAULT_LR_SCHEDULE).toMatchObject({ vae: 'constant', vaegan: 'linear-decay' });
  });

  it('refuses any other value, naming the choices (in-process and as the CLI prints it, exit 2, nothing trained)', async () => {
    expect(() => cfgOf(['--lr-schedule', 'cosine'])).toThrow('--lr-schedule must be one of constant, linear-decay, got cosine');
    expect(() => cfgOf(['--lr-schedule', 'Constant'])).toThrow(/--lr-schedule must be one of/);
    const r = await cli(['train', '--data', digits, '--lr-schedule', 'linear']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('latent-lab: --lr-schedule must be one of constant, linear-decay, got linear (see train --help)');
    const bare = await cli(['train', '--data', digits, '--lr-schedule']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/--lr-schedule needs a value/);
    expect(existsSync(path.join(ws, 'lab', 'runs')) ? await fs.readdir(path.join(ws, 'lab', 'runs')) : []).toEqual([]);
  }, 60_000);

  it('train --help names the flag, both schedules and each kind’s default (the contract’s)', () => {
    const help = commandUsage('train')!.replace(/\s+/g, ' ');
    expect(help).toContain(`--lr-schedule ${LR_SCHEDULES.join('|')}`);
    expect(help).toContain(`default ${DEFAULT_LR_SCHEDULE.vae}; vaegan: ${DEFAULT_LR_SCHEDULE.vaegan}`);
    expect(help).toMatch(/first half, then down linearly to 5 %/);
  });

  it('a VAE trained with --lr-schedule linear-decay saves it and is named so; without the flag it is constant and says nothing', async () => {
    const base = ['train', '--model', 'vae', '--data', digits, '--latent', '2', '--hidden', '16', '--epochs', '2', '--batch', '50', '--json'];
    const decayDir = path.join(ws, 'vae-decay');
    const r = await cli([...base, '--lr-schedule', 'linear-decay', '--out', decayDir]);
    expect({ code: r.code, stderr: r.stderr.slice(0, 400) }).toMatchObject({ code: 0 });
    const rec = JSON.parse(await fs.readFile(path.join(decayDir, 'config.json'), 'utf8'));
    expect(rec.config.lrSchedule).toBe('linear-decay');
    expect(rec.name).toBe('VAE z=2 batch 50 LR decay · digits');
    const plainDir = path.join(ws, 'vae-plain');
    const p = await cli([...base, '--out', plainDir]);
    expect(p.code).toBe(0);
    const plain = JSON.parse(await fs.readFile(path.join(plainDir, 'config.json'), 'utf8'));
    expect(plain.config.lrSchedule).toBe('constant');
    expect(plain.name).toBe('VAE z=2 batch 50 · digits');
  }, 300_000);
});

describe('run names and the learning-rate schedule', () => {
  const name = (model: TrainConfigInput['model'], lrSchedule?: 'constant' | 'linear-decay') =>
    defaultRunName(TrainConfig.parse({ dataset: { id: 'mnist' }, model, ...(lrSchedule ? { lrSchedule } : {}) }));

  it('say the schedule only when it is not the kind’s default', () => {
    expect(name({ kind: 'vae', latentDim: 8 })).toBe('VAE z=8 · mnist');
    expect(name({ kind: 'vae', latentDim: 8 }, 'constant')).toBe('VAE z=8 · mnist');
    expect(name({ kind: 'vae', latentDim: 8 }, 'linear-decay')).toBe('VAE z=8 LR decay · mnist');
    expect(name({ kind: 'ae', latentDim: 2 }, 'linear-decay')).toBe('AE z=2 LR decay · mnist');
    expect(name({ kind: 'cvae', latentDim: 2 }, 'linear-decay')).toBe('CVAE z=2 β=5 LR decay · mnist');
    expect(name({ kind: 'vaegan', latentDim: 8 })).toBe('VAE-GAN z=8 · mnist');
    expect(name({ kind: 'vaegan', latentDim: 8 }, 'linear-decay')).toBe('VAE-GAN z=8 · mnist');
    expect(name({ kind: 'vaegan', latentDim: 8 }, 'constant')).toBe('VAE-GAN z=8 constant LR · mnist');
    expect(name({ kind: 'vaegan', latentDim: 8, gamma: 0.1, emaDecay: 0 }, 'constant')).toBe('VAE-GAN z=8 γ=0.1 no EMA constant LR · mnist');
    // A config without one (a caller that knows only the model) says nothing.
    expect(defaultRunName({ model: { kind: 'vae', latentDim: 3 }, dataset: { id: 'mnist' } })).toBe('VAE z=3 · mnist');
  });
});
