// Generates TypeScript types from the JSON Schemas, so no shape is written twice by hand.
// `npm run gen:types` rewrites src/*/schema-types.gen.ts; a test checks they are up to date.
import { compileFromFile } from 'json-schema-to-typescript';
import { writeFile } from 'node:fs/promises';

export const targets = [
  { schema: 'schemas/config.schema.json', out: 'src/config/schema-types.gen.ts' },
  { schema: 'schemas/results.schema.json', out: 'src/results/schema-types.gen.ts' },
];

export async function generate(schema) {
  return compileFromFile(schema, {
    bannerComment: `/* Generated from ${schema} by scripts/gen-types.mjs. Do not edit: edit the schema and run npm run gen:types. */`,
    additionalProperties: false,
    unreachableDefinitions: true,
    style: { singleQuote: true, printWidth: 120 },
    strictIndexSignatures: true,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const t of targets) {
    await writeFile(t.out, await generate(t.schema));
    console.log(`wrote ${t.out}`);
  }
}
