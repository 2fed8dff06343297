import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// compare/ takes plain data and returns plain data: every verdict can be tested from a JSON fixture.
describe('compare/ and the threshold parser import no I/O', () => {
  const files = [
    ...readdirSync(path.resolve('src/compare')).map((f) => path.join('src/compare', f)),
    'src/config/thresholds.ts',
    'src/config/did-you-mean.ts',
    'src/config/key-path.ts',
    'src/errors.ts',
  ];
  it.each(files)('%s imports nothing from node: or a package', (file) => {
    const text = readFileSync(path.resolve(file), 'utf8');
    const specifiers = [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
    expect(specifiers.filter((s) => !s.startsWith('.'))).toEqual([]);
    expect(text).not.toMatch(/\bprocess\.|\brequire\(|import\(/);
  });
});
