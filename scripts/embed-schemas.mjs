// Embeds the JSON schemas of schema/ into src/core/generated/ as TypeScript
// modules, because tsc's rootDir (src) cannot import files outside src.
// schema/*.json stay the source of truth; a unit test fails when the
// generated copy is stale.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMAS = [
  ['launch-spec.json', 'launchSpecSchema.ts', 'launchSpecSchema']
];

for (const [source, target, name] of SCHEMAS) {
  const schema = JSON.parse(readFileSync(join(root, 'schema', source), 'utf8'));
  const out = join(root, 'src', 'core', 'generated', target);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `// Generated from schema/${source} by scripts/embed-schemas.mjs. Do not edit.\n` +
      `/** The JSON Schema of schema/${source}. */\n` +
      `export const ${name} = ${JSON.stringify(schema, null, 2)} as const;\n`
  );
}
