/**
 * The image formats Latent Lab reads (dropped on Encode, imported in a dataset folder): the one
 * list both the engine (src-main/engine/images/format.ts, which recognises them by their magic
 * bytes) and the renderer's messages name. Pure data.
 */

/** The formats read, by their usual names, in the order messages list them. */
export const READ_FORMAT_NAMES = ['PNG', 'JPEG', 'WebP', 'GIF', 'TIFF', 'BMP'] as const;

/** The formats read, in words: "PNG, JPEG, WebP, GIF, TIFF or BMP". */
export const READ_FORMATS_TEXT = `${READ_FORMAT_NAMES.slice(0, -1).join(', ')} or ${READ_FORMAT_NAMES[READ_FORMAT_NAMES.length - 1]}`;
