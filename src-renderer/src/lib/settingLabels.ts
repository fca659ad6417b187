/**
 * Training settings' values as the Train form names them, for every view that shows a run's
 * settings (Compare's rows and its "trained differently" note): the learning-rate schedules
 * (`LR_SCHEDULE_NAMES`, defined in ./trainText.ts beside the form's other words) and the
 * adversarial losses (`GAN_LOSS_NAMES`). Pure tables keyed by the contract's ids.
 */
import type { GanLoss } from '../../../src-shared/vaegan';
export { LR_SCHEDULE_NAMES } from './trainText';

/** The adversarial losses (`GAN_LOSSES`) as the Train form's "Adversarial loss" select names them (GanFields.svelte, Compare). */
export const GAN_LOSS_NAMES: Record<GanLoss, string> = { standard: 'Standard', relativistic: 'Relativistic average' };
