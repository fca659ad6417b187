import { describe, expect, it } from 'vitest';
import { savedRunStateText } from '../../../src-renderer/src/lib/trainText';

describe('the Train panel names an opened saved run’s state', () => {
  it('an interrupted run says after how many epochs, as the Saved runs list does, not "Error"', () => {
    expect(savedRunStateText({ state: 'error', interruptedAfter: 90 })).toBe('Interrupted after 90 epochs');
    expect(savedRunStateText({ state: 'error', interruptedAfter: 1 })).toBe('Interrupted after 1 epoch');
  });
  it('other states keep their badge words', () => {
    expect(savedRunStateText({ state: 'error' })).toBe('Error');
    expect(savedRunStateText({ state: 'done' })).toBe('Done');
    expect(savedRunStateText({ state: 'cancelled' })).toBe('Stopped');
  });
});
