import { describe, expect, it } from 'vitest';
import { baselinePlacesRefusalNear } from '../../../shared/common/tree/path-nodes';

describe('baselinePlacesRefusalNear (T7, and when the session stops timing the baseline)', () => {
  it('a refusal over five times faster than a round trip of at least 2 ms was made near this computer', () => {
    expect(baselinePlacesRefusalNear(40, 1)).toBe(true);
    expect(baselinePlacesRefusalNear(2, 0.3)).toBe(true);
  });

  it('a refusal about as slow as the round trip was not', () => {
    expect(baselinePlacesRefusalNear(40, 8)).toBe(false);
    expect(baselinePlacesRefusalNear(40, 30)).toBe(false);
  });

  it('a round trip under 2 ms (a LAN, a namespace) cannot tell near from far', () => {
    expect(baselinePlacesRefusalNear(1.9, 0.01)).toBe(false);
  });

  it('a faster baseline never turns a no into a yes, so one sample that says no ends the timing', () => {
    for (const refusal of [0.01, 0.5, 3, 20]) {
      for (const first of [0.1, 1, 2.5, 10, 100]) {
        if (baselinePlacesRefusalNear(first, refusal)) continue;
        for (const faster of [first * 0.9, first / 2, first / 10]) expect(baselinePlacesRefusalNear(faster, refusal)).toBe(false);
      }
    }
  });
});
