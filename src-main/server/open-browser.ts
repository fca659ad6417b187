/**
 * Best-effort browser opener for `latent-lab-server`. The URL carries the access token, and a
 * command line is readable by every user of the machine (`ps`, /proc/<pid>/cmdline), so the
 * opener (and the browser it starts) gets the path of a private redirect page instead: a file
 * readable by this user only (0600, in a 0700 temporary folder), removed when the server stops.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Write the redirect page; returns its path and a cleanup that removes its folder. */
export function writeRedirectPage(url: string, dir = os.tmpdir()): { file: string; remove(): void } {
  const folder = mkdtempSync(path.join(dir, 'latent-lab-open-'));
  const file = path.join(folder, 'open.html');
  const u = escapeHtml(url);
  writeFileSync(
    file,
    `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${u}"><title>Latent Lab</title><p><a href="${u}">Open Latent Lab</a></p>\n`,
    { mode: 0o600 },
  );
  return { file, remove: () => rmSync(folder, { recursive: true, force: true }) };
}

/**
 * Open `url` in the user's browser through a private redirect page. Does nothing in CI or
 * without a display; never throws. Returns the cleanup to call when the server stops.
 */
export function openBrowser(url: string): () => void {
  if (process.env.CI) return () => {};
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return () => {};
  let page: { file: string; remove(): void };
  try {
    page = writeRedirectPage(url);
  } catch {
    return () => {}; // no private temp file: the printed URL is enough
  }
  const target = pathToFileURL(page.file).href;
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const cmdArgs = process.platform === 'win32' ? ['/c', 'start', '""', target] : [target];
  try {
    const child = spawn(cmd, cmdArgs, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    /* no opener: the URL is printed */
  }
  return () => page.remove();
}
