/**
 * The Saved runs list's rows (state/runRows.ts): entries with one id never share a key (one odd
 * folder used to blank the whole list: Svelte's each_key_duplicate), an interrupted run with saved
 * epochs opens and says after how many, a folder that is not a run is neither opened nor deleted,
 * and a run trained elsewhere or holding the user's files cannot be deleted, saying why.
 */
import { describe, expect, it } from 'vitest';
import { TrainConfig, type RunSummary } from '../../../src-shared/types';
import { openTitle, runRows } from '../../../src-renderer/src/state/runRows';

const run = (id: string, extra: Partial<RunSummary> = {}): RunSummary => ({
  id,
  name: id,
  created: '2026-12-01T00:00:00Z',
  config: TrainConfig.parse({}),
  state: 'done',
  epochsDone: 3,
  metrics: null,
  ...extra,
});
const rows = (list: RunSummary[]) => runRows(list, (s) => s, () => 'a date');

describe('run rows', () => {
  it('three entries with one id get three keys', () => {
    const keys = rows([run('a'), run('a'), run('b'), run('a')]).map((r) => r.key);
    expect(new Set(keys).size).toBe(4);
    expect(keys[0]).toBe('a');
  });

  it('an interrupted run with epochs opens and says after how many; an unreadable one does not open', () => {
    const [cut, bad] = rows([
      run('cut', { state: 'error', error: 'interrupted: the process training it stopped (32 epochs saved)', interruptedAfter: 32 }),
      run('bad', { state: 'error', error: 'run "bad" has a corrupt config.json (not valid JSON)' }),
    ]);
    expect(cut).toMatchObject({ openable: true, stateText: 'interrupted after 32 epochs', detail: 'a date' });
    expect(bad).toMatchObject({ openable: false, stateText: 'error', detail: 'unreadable: run "bad" has a corrupt config.json (not valid JSON)' });
  });

  it('a run folder a file manager named "… copy": not openable, the row says what to rename it to, not "not a Latent Lab run"', () => {
    const why = 'the folder name "r1 copy" has characters a run\'s name cannot hold (only letters, digits, ".", "-" and "_"): rename the folder, e.g. to "r1-copy", to open it here';
    const [copy] = rows([run('r1 copy', { state: 'error', error: `not openable: ${why}`, notRun: why, renameTo: 'r1-copy' })]);
    expect(copy).toMatchObject({ openable: false, detail: 'not openable: rename its folder to "r1-copy"' });
    expect(copy.noDelete).toBe(`This run cannot be opened here: ${why}.`);
    expect(copy.noDelete).not.toMatch(/Not a Latent Lab run/);
  });

  it('not a run, trained elsewhere, holding the user’s files: Delete says why it is disabled', () => {
    const [notes, cli, mine, copy, moved] = rows([
      run('my-notes', { state: 'error', error: 'not a Latent Lab run: no config.json (every run folder has one)', notRun: 'no config.json (every run folder has one)' }),
      run('cli', { state: 'training', trainedBy: 4242 }),
      run('mine', { foreignFiles: ['notes.txt'] }),
      run('cli-backup', { copyOf: 'cli' }),
      run('renamed', { copyOf: 'gone' }),
    ]);
    expect(notes).toMatchObject({ openable: false, detail: 'not a Latent Lab run: no config.json (every run folder has one)' });
    expect(notes.noDelete).toMatch(/Remove the folder yourself/);
    expect(cli.noDelete).toMatch(/another Latent Lab process: the command line or another window \(pid 4242\)/);
    expect(cli.noRename).toBe(cli.noDelete);
    expect(cli.stateText).toBe('training elsewhere (pid 4242)');
    expect(mine.noDelete).toMatch(/1 file Latent Lab did not write \(notes\.txt\)/);
    expect(mine.noRename).toBeNull();
    expect(mine.foreignText).toBe('holds 1 file of yours');
    const [many] = rows([run('many', { foreignFiles: Array.from({ length: 10 }, (_, i) => `f${i}`) })]);
    expect(many.foreignText).toBe('holds 10 or more files of yours');
    expect(many.noDelete).toMatch(/10 or more files Latent Lab did not write \(f0, .*f9, …\)/);
    expect(copy.copyText).toBe('copy of cli');
    expect(moved.copyText).toBe('moved from gone');
    const [named] = rows([run('x', { state: 'training', trainedBy: 7, trainer: 'the command line (latent-lab train)' })]);
    expect(named.noDelete).toBe('Being trained by the command line (latent-lab train) (pid 7). Stop it there, or wait for its end.');
  });

  it('while a run trains (or is paused) the greyed open buttons say why and what to do, not "Open this run"', () => {
    const [other, mine, bad] = rows([run('other'), run('mine', { state: 'training' }), run('bad', { state: 'error', error: 'run "bad" has a corrupt config.json (not valid JSON)' })]);
    const idle = { active: false, training: false, trainingHere: false };
    expect(openTitle(other, idle)).toBe('Open this run');
    expect(openTitle(other, { ...idle, training: true })).toBe('A run is training (paused counts): stop it first to open another run');
    expect(openTitle(mine, { active: true, training: true, trainingHere: true })).toBe('This run is training: it is the model on screen (stop it to open another run)');
    // Its own reason first: training or not, an unreadable run says what is wrong with it.
    expect(openTitle(bad, { ...idle, training: true })).toBe('run "bad" has a corrupt config.json (not valid JSON)');
  });
});
