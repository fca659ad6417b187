/**
 * The folder names of a PNG-folder export's labels (index.ts writes the PNGs in them; exportSize.ts
 * counts them in the export's size; the CLI's `inspect` prints them). Plain Node.
 */
import { createHash } from 'node:crypto';

/** Folder name for unlabeled images in imagefolder exports. */
export const UNLABELED_DIR = 'unlabeled';

/** Longest label folder name in UTF-8 bytes: far under every file system's 255 (the PNG names and temp folder add to the path, not the name). */
export const MAX_LABEL_FOLDER_BYTES = 100;

/** `s` cut to at most `max` UTF-8 bytes, never inside a character. */
function cutToBytes(s: string, max: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const b = Buffer.byteLength(ch);
    if (bytes + b > max) break;
    out += ch;
    bytes += b;
  }
  return out;
}

/**
 * File-system-safe, unique folder names for labels ("unlabeled" is reserved for -1): characters
 * no file system takes become `_`, leading/trailing dots and spaces go, Windows' reserved device
 * names (CON, PRN, AUX, NUL, COM1–9, LPT1–9, with any extension: `CON.txt` too) get a leading
 * `_`, and a name longer than MAX_LABEL_FOLDER_BYTES is cut, with `~` and 8 hex digits of its
 * SHA-256 after it so that two long names sharing a beginning stay apart. The export's
 * manifest.json (`labelFolders`) and metadata.csv (`label`) map the folders back to the names.
 */
export function labelFolderNames(labelNames: readonly string[]): string[] {
  const used = new Set<string>([UNLABELED_DIR]);
  return labelNames.map((raw, i) => {
    let s = raw
      .normalize('NFC')
      .replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_')
      .replace(/^[\s.]+|[\s.]+$/g, '');
    if (/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(s)) s = `_${s}`;
    if (!s) s = `label_${i}`;
    if (Buffer.byteLength(s) > MAX_LABEL_FOLDER_BYTES) {
      const hash = createHash('sha256').update(raw).digest('hex').slice(0, 8);
      s = `${cutToBytes(s, MAX_LABEL_FOLDER_BYTES - 9).replace(/[\s.]+$/, '')}~${hash}`;
    }
    let name = s;
    for (let k = 2; used.has(name.toLowerCase()); k++) name = `${s}_${k}`;
    used.add(name.toLowerCase());
    return name;
  });
}
