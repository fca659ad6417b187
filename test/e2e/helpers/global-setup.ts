/**
 * Make sure the build under test exists and is not older than its sources (`npm test` builds
 * first, so this is usually a no-op). LATENT_LAB_E2E_NO_BUILD=1 skips the check.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { OUT, ROOT, SERVER_JS } from './env';

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default function globalSetup(): void {
  if (process.env.LATENT_LAB_E2E_NO_BUILD) return;
  const outputs = [SERVER_JS, path.join(OUT, 'main', 'engine-entry.js'), path.join(OUT, 'renderer', 'index.html')];
  const built = outputs.every((f) => existsSync(f)) ? Math.min(...outputs.map((f) => statSync(f).mtimeMs)) : 0;
  const sources = Math.max(
    ...['src-main', 'src-renderer', 'src-shared'].map((d) => newest(path.join(ROOT, d))),
    statSync(path.join(ROOT, 'electron.vite.config.ts')).mtimeMs,
  );
  if (built >= sources) return;
  console.log(built ? 'e2e: the build is older than its sources; rebuilding…' : 'e2e: no build yet; building…');
  const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('electron-vite build failed');
}
