// The chart colours: each series and the tolerance line must stand out on GitHub's light page and
// on the dark one (and on Mermaid's dark chart background), by WCAG's 3:1 for graphics.
import { describe, expect, it } from 'vitest';
import { SERIES_COLOURS, TOLERANCE_COLOUR, tolerancePercent } from '../../src/report/charts.js';

/** WCAG 2 relative luminance of #rrggbb. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('chart colours', () => {
  // GitHub light, GitHub dark, and the background Mermaid's dark theme draws a chart on.
  const backgrounds = ['#ffffff', '#0d1117', '#333333'];

  it.each([...SERIES_COLOURS, TOLERANCE_COLOUR])('%s reads on light and dark backgrounds', (colour) => {
    const ratios = backgrounds.map((bg) => contrast(colour, bg));
    for (const r of ratios) expect(r).toBeGreaterThanOrEqual(3);
  });

  it('the tolerance line is read from the tolerance as written', () => {
    expect(tolerancePercent('-5%')).toBe(-5);
    expect(tolerancePercent('+10% or +20ms')).toBe(10);
    expect(tolerancePercent('−2.5%')).toBe(-2.5);
    expect(tolerancePercent('+20ms')).toBeNull();
  });
});
