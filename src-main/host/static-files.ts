/**
 * Safe mapping of a URL path to a file under the built renderer folder, shared by the Electron
 * `app://` protocol handler and the browser-mode HTTP server. Refuses `..` segments (raw or
 * percent-encoded), encoded slashes/backslashes, NUL bytes and anything that resolves (also via
 * symlinks) outside the root.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

export type StaticResolution =
  | { ok: true; file: string }
  | { ok: false; status: 400 | 403 | 404; reason: string };

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeType(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Check a raw (still percent-encoded) URL pathname and map it to a path under `root`
 * (lexically; `resolveStaticFile` also checks the real path). `/` maps to `index.html`.
 */
export function mapUrlPath(root: string, rawPathname: string): StaticResolution {
  if (!rawPathname.startsWith('/')) return { ok: false, status: 400, reason: 'path must be absolute' };
  // Encoded separators and dots are never needed by our assets: refuse them outright.
  if (/%(2f|5c|2e|00)/i.test(rawPathname)) return { ok: false, status: 403, reason: 'encoded separator or dot in path' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPathname);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, status: 403, reason: 'forbidden character in path' };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { ok: false, status: 403, reason: 'dot segment in path' };
  if (segments.some((s) => s.startsWith('.') && s.length > 0)) return { ok: false, status: 404, reason: 'hidden file' };
  const rel = decoded === '/' ? 'index.html' : decoded.slice(1);
  const absRoot = path.resolve(root);
  const file = path.resolve(absRoot, rel);
  if (file !== absRoot && !file.startsWith(absRoot + path.sep)) return { ok: false, status: 403, reason: 'outside the root' };
  return { ok: true, file };
}

/** `mapUrlPath` plus existence and a real-path containment check (symlinks). */
export async function resolveStaticFile(root: string, rawPathname: string): Promise<StaticResolution> {
  const mapped = mapUrlPath(root, rawPathname);
  if (!mapped.ok) return mapped;
  try {
    const [realRoot, realFile] = await Promise.all([fs.realpath(root), fs.realpath(mapped.file)]);
    if (!realFile.startsWith(realRoot + path.sep)) return { ok: false, status: 403, reason: 'outside the root (symlink)' };
    const st = await fs.stat(realFile);
    if (!st.isFile()) return { ok: false, status: 404, reason: 'not a file' };
    return { ok: true, file: realFile };
  } catch {
    return { ok: false, status: 404, reason: 'not found' };
  }
}
