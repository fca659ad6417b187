/**
 * Settings the user depends on across launches: what a good store gives back, how a damaged or
 * hostile store falls back field by field, that saving follows every change, and that the
 * Export tab's "replace a previous export" box is never remembered (issue #16).
 */
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { DEFAULT_BATCH_SIZE, DEFAULT_BETA } from '../../../src-renderer/src/lib/contract';
import { SETTINGS_KEY, Settings, trainFormErrors } from '../../../src-renderer/src/state/settings.svelte';
import { OVERWRITE_LABEL } from '../../../src-renderer/src/state/tabs/export.svelte';
import { FakeApi, MemoryStorage, engineWith, labError, run } from './fake-api';

function stored(value: unknown): MemoryStorage {
  const s = new MemoryStorage();
  s.setItem(SETTINGS_KEY, typeof value === 'string' ? value : JSON.stringify(value));
  return s;
}

const DEFAULTS = new Settings(null).snapshot();

describe('settings: loading', () => {
  it('no storage at all, or nothing stored: the defaults', () => {
    expect(new Settings(null).snapshot()).toEqual(DEFAULTS);
    expect(new Settings(new MemoryStorage()).snapshot()).toEqual(DEFAULTS);
    expect(DEFAULTS).toMatchObject({ theme: 'system', tab: 'recon', pointSize: 5, lastRunId: null });
    expect(DEFAULTS.train).toMatchObject({ dataset: 'mnist', kind: 'vae', latentDim: 3, epochs: 30 });
  });

  it.each([
    ['not JSON', '{"theme": "dark",'],
    ['binary junk', '\u0000\u00ff\u0001'],
    ['a JSON array', '[1, 2, 3]'],
    ['null', 'null'],
    ['a number', '42'],
    ['a string', '"dark"'],
  ])('%s: the defaults, and the app still starts', (_label, text) => {
    expect(new Settings(stored(text)).snapshot()).toEqual(DEFAULTS);
  });

  it('storage that throws on read (disabled, security error): the defaults', () => {
    const s = new Settings({
      getItem: () => {
        throw new Error('SecurityError: access denied');
      },
      setItem: () => {},
    });
    expect(s.snapshot()).toEqual(DEFAULTS);
  });

  it('a bad or out-of-range field falls back alone; its neighbours are kept', () => {
    const s = new Settings(
      stored({
        theme: 'neon',
        tab: 'export',
        pointSize: 50,
        projection: 'umap',
        lastRunId: 12,
        train: { dataset: 'folder', folderPath: '/data/faces', latentDim: 1000, epochs: 7, learningRate: -1, kind: 'cvae' },
        generate: { count: 'many', temperature: 0.5, label: 3, steps: 12 },
        export: { format: 'npz', count: 0, out: '/tmp/out' },
      }),
    );
    expect(s.theme).toBe('system');
    expect(s.tab).toBe('export');
    expect(s.pointSize).toBe(5);
    expect(s.projection).toBe('umap');
    expect(s.lastRunId).toBeNull();
    // `folder` (settings saved before `local`) is read as your own data at that path.
    expect(s.train).toMatchObject({ dataset: 'local', folderPath: '/data/faces', latentDim: 3, epochs: 7, learningRate: 1e-3, kind: 'cvae' });
    expect(s.train.import).toEqual({ size: 'auto', channels: 'auto', fit: 'crop', preprocess: 'auto', transpose: false });
    expect(s.generate).toEqual({ count: 16, temperature: 0.5, label: 3, steps: 12 });
    expect(s.export).toEqual({ format: 'npz', count: 100, temperature: 1, seed: 1, out: '/tmp/out' });
  });

  it('a whole section of the wrong type falls back to that section’s defaults', () => {
    const s = new Settings(stored({ theme: 'dark', train: 'vae please', generate: [1, 2], export: null }));
    expect(s.theme).toBe('dark');
    expect(s.train).toEqual(DEFAULTS.train);
    expect(s.generate).toEqual(DEFAULTS.generate);
    expect(s.export).toEqual(DEFAULTS.export);
  });
});

describe('settings: saving', () => {
  it('what is saved is what the next launch loads', () => {
    const storage = new MemoryStorage();
    const a = new Settings(storage);
    a.theme = 'dark';
    a.tab = 'compare';
    a.pointSize = 7.5;
    a.lastRunId = 'run-1';
    a.train.latentDim = 8;
    a.train.dataset = 'local';
    a.train.folderPath = '/data/x';
    a.train.import = { size: 32, channels: 3, fit: 'pad', preprocess: 'plain', transpose: false };
    a.generate.count = 64;
    a.export.out = '/tmp/exports';
    expect(a.save()).toBe(true);
    const b = new Settings(storage);
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(b.train.latentDim).toBe(8);
    expect(b.export.out).toBe('/tmp/exports');
  });

  it('persist() writes on every change (no explicit save)', () => {
    const storage = new MemoryStorage();
    const s = new Settings(storage);
    const stop = $effect.root(() => s.persist());
    try {
      flushSync();
      s.train.epochs = 12;
      flushSync();
      expect(JSON.parse(storage.getItem(SETTINGS_KEY)!).train.epochs).toBe(12);
      s.theme = 'light';
      flushSync();
      expect(new Settings(storage).theme).toBe('light');
    } finally {
      stop();
    }
  });

  it('a storage that refuses writes (full, disabled) is reported by save() and breaks nothing', () => {
    const s = new Settings({
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    });
    s.theme = 'dark';
    expect(s.save()).toBe(false);
    expect(s.theme).toBe('dark');
    expect(new Settings(null).save()).toBe(false);
  });
});

describe('settings: the export overwrite box is never remembered', () => {
  it('a stored `overwrite: true` from an older version is ignored, and never written back', () => {
    const storage = stored({ export: { format: 'idx', count: 50, temperature: 1, seed: 2, out: '/tmp/old', overwrite: true } });
    const lab = new Lab(new FakeApi(), storage);
    expect(lab.exporter.overwrite).toBe(false);
    expect(lab.settings.export).toEqual({ format: 'idx', count: 50, temperature: 1, seed: 2, out: '/tmp/old' });
    expect('overwrite' in lab.settings.snapshot().export).toBe(false);
    lab.settings.save();
    expect(storage.getItem(SETTINGS_KEY)).not.toContain('overwrite');
  });

  it('ticked in one session, unticked in the next', () => {
    const storage = new MemoryStorage();
    const first = new Lab(new FakeApi(), storage);
    first.exporter.overwrite = true;
    first.settings.export.out = '/tmp/exports/a';
    first.settings.save();
    expect(storage.getItem(SETTINGS_KEY)).not.toContain('overwrite');
    const next = new Lab(new FakeApi(), storage);
    expect(next.exporter.overwrite).toBe(false);
    expect(next.settings.export.out).toBe('/tmp/exports/a');
  });

  it('the box says it replaces only a previous Latent Lab export', () => {
    expect(OVERWRITE_LABEL).toMatch(/previous Latent Lab export/);
  });

  it('the engine gets the box as ticked this session, and an EXISTS answer names the box only while it is unticked', async () => {
    const api = engineWith([run('r1')]);
    const lab = new Lab(api, new MemoryStorage());
    await lab.openRun('r1');
    lab.settings.export.out = '  /tmp/exports/r1  ';
    api.handle('export:start', () => {
      throw labError('EXISTS', '/tmp/exports/r1 already holds a Latent Lab export');
    });
    await lab.exporter.start();
    expect(api.callsOf('export:start').at(-1)).toMatchObject({ out: '/tmp/exports/r1', overwrite: false });
    expect(lab.exporter.state).toBe('error');
    expect(lab.exporter.error).toContain('already holds a Latent Lab export');
    expect(lab.exporter.error).toContain(OVERWRITE_LABEL);

    lab.exporter.overwrite = true;
    api.handle('export:start', () => {
      throw labError('EXISTS', '/tmp/exports/r1 is not empty (thesis.txt) and is not a Latent Lab export');
    });
    await lab.exporter.start();
    expect(api.callsOf('export:start').at(-1)).toMatchObject({ overwrite: true });
    expect(lab.exporter.error).toContain('thesis.txt');
    expect(lab.exporter.error).not.toContain(OVERWRITE_LABEL);
  });
});

describe('train form', () => {
  it('the defaults are valid', () => {
    expect(trainFormErrors(DEFAULTS.train)).toEqual({});
  });

  it('names each field out of range, and a folder dataset without a folder', () => {
    const e = trainFormErrors({
      ...DEFAULTS.train,
      latentDim: 2.5,
      hidden: 0,
      epochs: 20_000,
      learningRate: Number.NaN,
      seed: -1,
      dataset: 'local',
      folderPath: '   ',
    });
    expect(Object.keys(e).sort()).toEqual(['epochs', 'folderPath', 'hidden', 'latentDim', 'learningRate', 'seed']);
  });

  /** The form a Settings loads from a stored `train` (over the defaults); `formVersion` absent: the oldest. */
  const storedForm = (train: Record<string, unknown>, formVersion?: number) => {
    const storage = new MemoryStorage();
    storage.setItem(SETTINGS_KEY, JSON.stringify({ ...(formVersion ? { formVersion } : {}), train: { ...new Settings(null).train, ...train } }));
    return new Settings(storage).train;
  };

  it('a CVAE form stored with the old default β 2 follows the new default; a β the user chose stays', () => {
    const stored = (beta: number, formVersion?: number) => storedForm({ kind: 'cvae', beta }, formVersion).beta;
    expect(stored(2)).toBe(DEFAULT_BETA.cvae);
    expect(stored(2, 2)).toBe(DEFAULT_BETA.cvae);
    expect(stored(3)).toBe(3);
    expect(stored(2, 3)).toBe(2); // stored by this version: the user's own 2
  });

  it('a VAE-GAN form stored with the old default batch 256 follows the new default 64; a batch the user chose stays', () => {
    const stored = (batchSize: number, formVersion?: number, kind = 'vaegan') => storedForm({ kind, batchSize }, formVersion).batchSize;
    expect(stored(256)).toBe(DEFAULT_BATCH_SIZE.vaegan);
    expect(stored(256, 3)).toBe(DEFAULT_BATCH_SIZE.vaegan);
    expect(stored(128, 3)).toBe(128);
    expect(stored(256, 4)).toBe(256); // stored by this version: the user's own 256
    expect(stored(256, 3, 'vae')).toBe(256);
  });

  it('the batch size follows the model kind’s default; a batch the user chose is that kind’s only, back when the kind is', () => {
    const s = new Settings(null);
    expect(s.train.batchSize).toBe(256);
    s.setKind('vaegan');
    expect(s.train).toMatchObject({ kind: 'vaegan', batchSize: DEFAULT_BATCH_SIZE.vaegan });
    expect(DEFAULT_BATCH_SIZE.vaegan).toBeLessThan(256);
    s.setKind('vae');
    expect(s.train.batchSize).toBe(256);
    s.train.batchSize = 512;
    s.setKind('vaegan'); // the VAE's 512 is not the VAE-GAN's
    expect(s.train).toMatchObject({ kind: 'vaegan', batchSize: DEFAULT_BATCH_SIZE.vaegan });
    s.setKind('vae');
    expect(s.train.batchSize).toBe(512);
    // Typing the kind's default again relinks it: the next switch has nothing to bring back.
    s.train.batchSize = 256;
    s.setKind('ae');
    s.setKind('vae');
    expect(s.train.batchSize).toBe(256);
    expect(s.train.kindChoices.batchSize).toEqual({});
    // An empty field is no choice: the kind shows its default when it comes back.
    s.train.batchSize = null as unknown as number;
    s.setKind('vaegan');
    s.setKind('vae');
    expect(s.train.batchSize).toBe(256);
  });

  it('the hint by the batch field: a switch that moves it says so; the user’s own batch says it is theirs and the kind’s default', () => {
    const s = new Settings(null);
    const hint = () => s.kindHint('batchSize');
    expect(hint()).toBeNull();
    s.setKind('vaegan');
    const gan = DEFAULT_BATCH_SIZE.vaegan;
    expect(hint()).toBe(`${gan}: the VAE-GAN's default (Larsen et al.); the VAE's is ${DEFAULT_BATCH_SIZE.vae}`);
    s.setKind('vae');
    expect(hint()).toBe(`${DEFAULT_BATCH_SIZE.vae}: the VAE's default; the VAE-GAN's is ${gan}`);
    // AE and VAE share a default: nothing moved, nothing to say.
    s.setKind('ae');
    expect(hint()).toBeNull();
    s.setKind('vaegan');
    expect(hint()).toContain("the AE's is");
    // The user types a batch: the hint says it is theirs, with the kind's default.
    s.train.batchSize = 100;
    expect(hint()).toBe(`100: your choice; the VAE-GAN's default is ${gan}`);
    s.setKind('vae');
    expect(s.train.batchSize).toBe(DEFAULT_BATCH_SIZE.vae);
    s.setKind('vaegan');
    expect(s.train.batchSize).toBe(100);
    expect(hint()).toBe(`100: your choice; the VAE-GAN's default is ${gan}`);
    // Opening a run (the whole form set) forgets the switch: the VAE-GAN's default says only why.
    s.choose('batchSize', gan);
    s.setForm({ ...s.train });
    expect(hint()).toBe(`${gan}: the VAE-GAN's default (Larsen et al.)`);
  });

  it('β follows the model kind’s default unless the user set their own', () => {
    const s = new Settings(null);
    s.setKind('cvae');
    expect(s.train).toMatchObject({ kind: 'cvae', beta: DEFAULT_BETA.cvae });
    expect(DEFAULT_BETA.cvae).toBeGreaterThan(2);
    s.setKind('vae');
    expect(s.train.beta).toBe(1);
    s.train.beta = 4;
    s.setKind('cvae');
    expect(s.train).toMatchObject({ kind: 'cvae', beta: 4 });
  });
});
