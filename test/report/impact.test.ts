// The impact sentence's wording: ranges of whole percents, the smaller change first.
import { describe, expect, it } from 'vitest';
import { percentRange } from '../../src/report/impact.js';

describe('percentRange', () => {
  it('says one figure when every point changed by the same whole percent', () => {
    expect(percentRange([-0.131, -0.129, -0.133])).toBe('−13%');
  });

  it('says a range from the smaller change to the larger, signed once for a rise', () => {
    expect(percentRange([-0.11, -0.125, -0.13])).toBe('−11…−13%');
    expect(percentRange([0.14, 0.152])).toBe('+14…15%');
  });

  it('signs both ends when the change crosses zero', () => {
    expect(percentRange([-0.02, 0.05])).toBe('−2…+5%');
  });
});
