/**
 * The path of the user's own data as the engine reads it. The UI's path field is typed by people:
 * a leading `~` means their home folder (a shell would expand it; the engine must, or `~/data`
 * becomes `<server folder>/~/data`). A relative path means nothing to the engine (its working
 * folder is not the user's), so it is refused in words; the CLI resolves relative paths against
 * its own working folder before it asks.
 */
import os from 'node:os';
import path from 'node:path';
import { LabError, type ErrorCode } from '../../../src-shared/types';

/**
 * A path as a person typed it (the data path, an export's destination) as the engine uses it: a
 * NUL character refused in words (Node's own text is about "null bytes" in an argument), a leading
 * `~` (alone, or before `/` or `\`) replaced by `home`, then checked to be absolute.
 * @param p the path as typed; @param code the error's code; @param what the path's role in the
 *   message, e.g. "the destination", and `example` a folder name for the
 *   relative-path advice; @param home the user's home folder (tests pass their own).
 * @returns an absolute, normalised path.
 *   `destination`: a path to be written (an export's folder): any control character (U+0001–U+001F,
 *   U+007F: a tab, a newline, \x01 …) is refused too, since it would end up in a folder name no one
 *   can read or type; paths only read keep them (such a file may exist).
 * @throws LabError `code` for a NUL character or a relative path (also `~user/…`), naming it, and
 *   for a destination's control character.
 */
export function resolveUserPath(p: string, opts: { code: ErrorCode; what: string; example: string; home?: string; destination?: boolean }): string {
  const home = opts.home ?? os.homedir();
  if (p.includes('\0')) {
    throw new LabError(opts.code, `${opts.what} "${p.replace(/\0/g, '\\0')}" holds a NUL character (\\0), which no file or folder name can: check the path`);
  }
  if (opts.destination) refuseControlCharacters(p, opts.code, opts.what);
  const t = p.trim();
  const expanded = t === '~' ? home : /^~[/\\]/.test(t) ? path.join(home, t.slice(2)) : t;
  if (!path.isAbsolute(expanded)) {
    throw new LabError(opts.code, `${opts.what} "${p}" is not a full path: give a full path, e.g. ${path.join(home, opts.example)}`);
  }
  return path.resolve(expanded);
}

/**
 * Throws when `p` holds a control character (U+0001–U+001F or U+007F), naming it as `\xNN` and
 * where it is: `what` "…" holds a control character (\x01) at character 6, which would be written
 * into a file or folder name: type the name again without it.
 * @throws LabError `code`.
 */
export function refuseControlCharacters(p: string, code: ErrorCode, what: string): void {
  const m = /[\x01-\x1f\x7f]/.exec(p);
  if (!m) return;
  const hex = `\\x${m[0].charCodeAt(0).toString(16).padStart(2, '0')}`;
  const shown = p.replace(/[\x01-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  throw new LabError(code, `${what} "${shown}" holds a control character (${hex}) at character ${m.index + 1}, which would be written into a file or folder name: type the name again without it`);
}

/**
 * A path given on the command line as the CLI uses it: a leading `~` (alone, or before `/` or `\`)
 * is the home folder even when the shell left it alone (quoted: `--out "~/x"`), a relative path is
 * taken from `cwd`, and a destination's control characters are refused (`resolveUserPath`).
 * @param p the path as given; @param opts.flag the option's name for messages, e.g. "--out";
 *   `destination` true for a path to be written; `cwd`, `home` for tests.
 * @returns an absolute, normalised path.
 * @throws LabError INVALID_PAYLOAD for a NUL character, a destination's control character, or
 *   `~user/…` (which only a shell can expand), naming the flag.
 */
export function resolveCliPath(p: string, opts: { flag: string; destination?: boolean; cwd?: string; home?: string }): string {
  const home = opts.home ?? os.homedir();
  const t = p.trim();
  const tilde = t.startsWith('~');
  const typed = tilde || path.isAbsolute(t) ? p : path.resolve(opts.cwd ?? process.cwd(), t);
  return resolveUserPath(typed, { code: 'INVALID_PAYLOAD', what: opts.flag, example: 'out', home, destination: opts.destination });
}

/**
 * `p` with a leading `~` (alone, or before `/` or `\`) replaced by `home`, checked to be absolute
 * (`resolveUserPath`).
 * @param p the path as typed; @param home the user's home folder (tests pass their own).
 * @returns an absolute, normalised path.
 * @throws LabError BAD_DATASET when the path is relative (also `~user/…`) or holds a NUL, naming it.
 */
export function resolveOwnDataPath(p: string, home = os.homedir()): string {
  return resolveUserPath(p, { code: 'BAD_DATASET', what: 'the data path', example: 'data', home });
}

/**
 * A request payload with its `dataset.path` (own data) resolved by `resolveOwnDataPath`; other
 * payloads are returned as they are. Shapes: `{ dataset: { id: 'local', path, … }, … }` (parsed:
 * `folder` is already `local`).
 * @throws LabError BAD_DATASET for a relative path.
 */
export function withResolvedDataPath<T>(payload: T): T {
  const d = (payload as { dataset?: { id?: unknown; path?: unknown } } | null)?.dataset;
  if (!d || d.id !== 'local' || typeof d.path !== 'string') return payload;
  return { ...payload, dataset: { ...d, path: resolveOwnDataPath(d.path) } };
}
