/**
 * The import report's advice, in the app's words: the remedy named where the app's user changes
 * it — the Train panel's import options (the "Size", "Fit" and "Colour" choices, the "Transpose (IDX)"
 * box; src-renderer/src/components/DatasetPanel.svelte). Each is one constant, at the end of its
 * warning, that the CLI replaces with its own flag (src-main/cli/data.ts `cliWarning`), as it does
 * `DATA_MISSING_APP_ADVICE` (runCache.ts).
 */

/** Non-square images centre-cropped (arrays.ts `cropNote`): pad instead. */
export const FIT_PAD_APP_ADVICE = 'set Fit to "pad" to keep them whole';

/** Colour images turned grey by auto (imageFiles.ts `colourTurnedGrey`): keep colour. */
export const KEEP_COLOUR_APP_ADVICE = 'set Colour to "colour" to keep colour';

/** Images upscaled to 64×64 by auto where 32×32 is as near or nearly (imageFiles.ts `upscaleNote`): train at 32. */
export const SIZE_32_APP_ADVICE = 'set Size to 32 to train at 32×32';

/** EMNIST IDX files, stored transposed (idxImport.ts): transpose them. */
export const TRANSPOSE_APP_ADVICE = 'tick "Transpose (IDX)" to see them upright';
