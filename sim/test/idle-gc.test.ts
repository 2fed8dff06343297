import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { IdleScavenger } from '../idle-gc.js';

function youngFill(): number {
  const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')!;
  return s.space_used_size / (s.space_used_size + s.space_available_size);
}

/** Kept so the garbage below is really made. */
export let sink = 0;

/** Makes garbage until the young generation is over 60% full (V8 may collect on the way). */
function fillYoung(): void {
  while (youngFill() < 0.6) {
    for (let i = 0; i < 1000; i++) sink += { i, s: `garbage ${i}` }.s.length;
  }
}

describe('idle-time scavenges', () => {
  it('collect a young generation over half full when the window has room, never in a short window, and leave one under half full alone', () => {
    const s = new IdleScavenger();
    let t = 100;
    const clock = (): number => t;
    fillYoung();
    s.maybe(0.001, clock); // 1 ms cannot fit a scavenge
    expect(s.scavenges).toBe(0);
    expect(youngFill()).toBeGreaterThan(0.5);
    s.maybe(1, clock);
    expect(s.scavenges).toBe(1);
    expect(youngFill()).toBeLessThan(0.5);
    t += 0.01;
    s.maybe(1, clock);
    expect(s.scavenges).toBe(1);
  });
});
