import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { OUT, SCHEMA, generate } from '../../scripts/gen-config-docs.mjs';

type Node = { properties?: Record<string, Node>; oneOf?: Node[]; definitions?: Record<string, Node>; description?: string; $ref?: string };

describe('docs/config.md, the config reference', () => {
  it('is what the schema generates (run node scripts/gen-config-docs.mjs after editing the schema)', async () => {
    expect(await readFile(OUT as string, 'utf8')).toBe(await (generate as () => Promise<string>)());
  });

  it('documents every key the schema has, each with a description', async () => {
    const schema = JSON.parse(await readFile(SCHEMA as string, 'utf8')) as Node;
    const doc = await readFile(OUT as string, 'utf8');
    const missing: string[] = [];
    const undescribed: string[] = [];
    const walk = (n: Node | undefined, at: string): void => {
      if (!n) return;
      for (const [k, v] of Object.entries(n.properties ?? {})) {
        if (!new RegExp(`\\| \`[^\`]*\\b${k.replace(/[-.]/g, '\\$&')}\``).test(doc)) missing.push(`${at}.${k}`);
        const target = v.$ref ? schema.definitions?.[v.$ref.split('/').pop()!] : v;
        if (!v.description && !target?.description) undescribed.push(`${at}.${k}`);
        walk(v, `${at}.${k}`);
      }
      n.oneOf?.forEach((b, i) => walk(b, `${at}/oneOf/${i}`));
    };
    walk(schema, '');
    for (const [name, def] of Object.entries(schema.definitions ?? {})) walk(def, name);
    expect(missing).toEqual([]);
    expect(undescribed).toEqual([]);
  });
});
