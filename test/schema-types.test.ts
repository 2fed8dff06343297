import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { generate, targets } from '../scripts/gen-types.mjs';

describe('generated schema types', () => {
  for (const t of targets as { schema: string; out: string }[]) {
    it(`${t.out} is what ${t.schema} generates (run npm run gen:types after editing a schema)`, async () => {
      expect(await readFile(t.out, 'utf8')).toBe(await generate(t.schema));
    });
  }
});
