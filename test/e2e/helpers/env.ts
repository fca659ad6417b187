/** Paths the e2e harness needs; no Electron import (that would try to download the binary). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const OUT = path.join(ROOT, 'out');
export const SERVER_JS = path.join(OUT, 'main', 'server.js');
export const MAIN_JS = path.join(OUT, 'main', 'index.js');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The Electron executable if the binary is installed, else null. */
export function electronBinary(): string | null {
  const pkg = path.join(ROOT, 'node_modules', 'electron');
  const dist = path.join(pkg, 'dist');
  if (!existsSync(dist)) return null;
  try {
    const p = path.join(dist, readFileSync(path.join(pkg, 'path.txt'), 'utf8').trim());
    if (existsSync(p)) return p;
  } catch {
    /* fall through */
  }
  const p = path.join(dist, process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron');
  return existsSync(p) ? p : null;
}

export const ELECTRON_SKIP_REASON = 'Electron binary not installed';
