/**
 * The sentence the Encode tab shows for a file the engine could not read as an image, built from
 * the engine's reason (src-main/engine/images/format.ts `describeNonImage`, decode.ts) and the
 * one list of formats read (src-shared/imageFormats.ts).
 */
import { READ_FORMATS_TEXT } from '../../../src-shared/imageFormats';

/**
 * One sentence: "“bad.png” is not an image Latent Lab can read (it looks like text); it reads PNG,
 * JPEG, WebP, GIF, TIFF or BMP." `reason` is the engine's BAD_IMAGE message ("not an image (looks
 * like text)", "not a supported image (SVG/XML is not read; use …)", "empty file", "image is
 * 9000×9000, above the 50 MP limit", …): its own format list is dropped for the one named here.
 * A blank image ("blank after MNIST-style processing: no strokes stand out from the background")
 * is named as blank instead: “white.png” is blank after MNIST-style processing: no strokes … .
 */
export function unreadableImageText(name: string, reason: string): string {
  // A readable image that is blank under MNIST-style processing (the engine's NO_STROKES,
  // src-main/engine/images/mnistStyle.ts) is not "not an image": say what it is.
  if (/^blank after MNIST-style processing\b/.test(reason.trim())) return `“${name}” is ${reason.trim().replace(/[.\s]+$/, '')}.`;
  const inner = /^not (?:an|a supported) image \((.*)\)$/s.exec(reason.trim());
  let why = (inner ? inner[1] : reason.trim())
    .replace(/;?\s*(?:use|expected)\s.*$/s, '')
    .replace(/[.\s]+$/, '');
  if (/^looks like/.test(why)) why = `it ${why}`;
  return `“${name}” is not an image Latent Lab can read${why ? ` (${why})` : ''}; it reads ${READ_FORMATS_TEXT}.`;
}
