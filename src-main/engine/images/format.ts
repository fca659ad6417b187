/**
 * Which image formats are read, recognised by their magic bytes (never by the file name alone),
 * and a human description of a file that is not one of them, for error messages.
 */
import { READ_FORMATS_TEXT } from '../../../src-shared/imageFormats';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'tiff' | 'bmp';

/** Each format's name; `READ_FORMAT_NAMES` (src-shared/imageFormats.ts) lists the same names. */
export const FORMAT_NAMES: Record<ImageFormat, string> = {
  png: 'PNG',
  jpeg: 'JPEG',
  gif: 'GIF',
  webp: 'WebP',
  tiff: 'TIFF',
  bmp: 'BMP',
};

/** The formats read, in words ("PNG, JPEG, WebP, GIF, TIFF or BMP"): one list, in src-shared/imageFormats.ts. */
export { READ_FORMATS_TEXT };

/** File extensions (lower case, with the dot) taken for images when listing a folder. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.png',
  '.jpg',
  '.jpeg',
  '.jpe',
  '.jfif',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.bmp',
  '.dib',
]);

/** Extensions of image formats that are recognised but not read (named in messages). */
export const UNREAD_IMAGE_EXTENSIONS: Readonly<Record<string, string>> = {
  '.heic': 'HEIC',
  '.heif': 'HEIF',
  '.avif': 'AVIF',
  '.svg': 'SVG',
  '.psd': 'Photoshop',
  '.ico': 'ICO',
  '.jp2': 'JPEG 2000',
  '.jxl': 'JPEG XL',
  '.pgm': 'PGM',
  '.ppm': 'PPM',
  '.pbm': 'PBM',
  '.raw': 'camera raw',
  '.cr2': 'camera raw',
  '.nef': 'camera raw',
  '.dng': 'camera raw',
};

/** Identify a supported image format from its magic bytes; null for anything else. */
export function sniffFormat(b: Uint8Array): ImageFormat | null {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return 'gif';
  if (
    b.length >= 12 &&
    b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 &&
    b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50
  ) {
    return 'webp';
  }
  if (b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a))) {
    return 'tiff';
  }
  // "BM", then a plausible DIB header size (12, 40, 52, 56, 64, 108 or 124) at offset 14.
  if (b.length >= 18 && b[0] === 0x42 && b[1] === 0x4d && [12, 40, 52, 56, 64, 108, 124].includes(b[14] | (b[15] << 8))) {
    return 'bmp';
  }
  return null;
}

/** A human guess at what a non-image file is, for error messages. */
export function describeNonImage(b: Uint8Array): string {
  const ascii = (s: string, at = 0) => s.split('').every((c, i) => b[at + i] === c.charCodeAt(0));
  // A PNG whose 8-byte signature a text-mode or UTF-8 copy altered (0x89 → C2 89, \r\n → \n):
  // "PNG" one or two bytes in. It is a damaged PNG, not another format.
  if (b[0] !== 0x89 && (ascii('PNG', 1) || ascii('PNG', 2))) {
    return 'damaged PNG: its signature is altered, as a text-mode or UTF-8 copy does; copy the file as binary';
  }
  if (ascii('%PDF')) return 'not an image (looks like PDF)';
  if (b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) return 'not an image (looks like a ZIP or Office document)';
  if (ascii('<svg') || ascii('<?xml')) return `not a supported image (SVG/XML is not read; use ${READ_FORMATS_TEXT})`;
  if (b.length >= 12 && ascii('\0\0\0') && b[4] === 0x66 && b[5] === 0x74 && b[6] === 0x79 && b[7] === 0x70) {
    return `not a supported image (HEIC/AVIF is not read; use ${READ_FORMATS_TEXT})`;
  }
  const head = b.subarray(0, Math.min(b.length, 512));
  let printable = 0;
  for (const c of head) if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 128) printable++;
  if (printable === head.length) return 'not an image (looks like text)';
  return `not a supported image (expected ${READ_FORMATS_TEXT})`;
}
