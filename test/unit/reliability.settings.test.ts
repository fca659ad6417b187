/**
 * Reliability (issue #6): corrupt Electron settings are reported, set aside byte for byte (never
 * overwritten or deleted) and defaults are used; a valid file is never touched. The Electron main
 * path (electron-store, log line) is covered in host.electron-main.test.ts; here the quarantine
 * itself, for every kind of bad file.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron-store', () => ({ default: class {} }));
const { quarantineBadSettings, Settings } = await import('../../src-main/shell/settings');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'll-rel-settings-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('settings quarantine', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', '{"workspace": "/tmp",', /unreadable settings/],
    ['empty file', '', /unreadable settings/],
    ['binary junk', '\u0000\u0001\u00ff\u00fe', /unreadable settings/],
    ['wrong type', '{"window": {"width": "wide"}}', /invalid settings: window\.width/],
    ['bad recent runs', '{"recentRuns": "neon"}', /invalid settings: recentRuns/],
    ['a JSON array', '[1,2,3]', /invalid settings/],
    ['null', 'null', /invalid settings/],
  ];
  it.each(cases)('%s: reported, moved aside with its exact bytes, defaults used', (label, text, re) => {
    const dir = path.join(tmp, label.replace(/\W+/g, '-'));
    mkdirSync(dir);
    const file = path.join(dir, 'settings.json');
    writeFileSync(file, text);
    const msg = quarantineBadSettings(file, new Date('2026-01-02T03:04:05.678Z'));
    expect(msg).toMatch(re);
    expect(msg).toMatch(/moved to .*settings\.json\.corrupt-2026-01-02T03-04-05-678Z/);
    expect(existsSync(file)).toBe(false);
    const aside = path.join(dir, 'settings.json.corrupt-2026-01-02T03-04-05-678Z');
    expect(readFileSync(aside, 'utf8')).toBe(text);
    expect(Settings.parse({})).toMatchObject({ window: { width: 1400, height: 900 }, recentRuns: [] });
  });

  it('a second corruption later keeps the first one aside too', () => {
    const dir = path.join(tmp, 'twice');
    mkdirSync(dir);
    const file = path.join(dir, 'settings.json');
    writeFileSync(file, 'first');
    quarantineBadSettings(file, new Date('2026-01-01T00:00:00.000Z'));
    writeFileSync(file, 'second');
    quarantineBadSettings(file, new Date('2026-01-01T00:00:01.000Z'));
    const asides = readdirSync(dir).sort();
    expect(asides).toHaveLength(2);
    expect(asides.map((f) => readFileSync(path.join(dir, f), 'utf8'))).toEqual(['first', 'second']);
  });

  it('a valid file, and no file at all, are left alone', () => {
    const dir = path.join(tmp, 'valid');
    mkdirSync(dir);
    const file = path.join(dir, 'settings.json');
    const text = JSON.stringify({ theme: 'dark', window: { width: 1000, height: 700, maximized: false }, extra: 1 }); // old and unknown keys: fine
    writeFileSync(file, text);
    const mtime = statSync(file).mtimeMs;
    expect(quarantineBadSettings(file)).toBeNull();
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(readdirSync(dir)).toEqual(['settings.json']);
    expect(quarantineBadSettings(path.join(dir, 'absent.json'))).toBeNull();
  });
});
