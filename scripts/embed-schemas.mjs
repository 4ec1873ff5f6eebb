// Embeds files of schema/ into TypeScript modules: tsc's rootDir (src) cannot
// import files outside src, and the bundled CLI cannot read files next to its
// source. schema/ stays the source of truth; unit tests fail when a generated
// copy is stale (run `npm run build:schemas`).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** [source in schema/, target module, exported name, how to embed]. */
const EMBEDDED = [
  [
    'launch-spec.json',
    'src/core/generated/launchSpecSchema.ts',
    'launchSpecSchema',
    'json'
  ],
  [
    'results.json',
    'src/core/generated/benchResultsSchema.ts',
    'resultsSchema',
    'json'
  ],
  [
    'scenario.json',
    'src/core/generated/benchScenarioSchema.ts',
    'scenarioSchema',
    'json'
  ],
  [
    'openapi.yaml',
    'src/node/service/openapiDocument.ts',
    'OPENAPI_YAML',
    'text'
  ]
];

for (const [source, target, name, kind] of EMBEDDED) {
  const text = readFileSync(join(root, 'schema', source), 'utf8');
  const value =
    kind === 'json'
      ? `${JSON.stringify(JSON.parse(text), null, 2)} as const`
      : JSON.stringify(text);
  const out = join(root, target);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `// Generated from schema/${source} by scripts/embed-schemas.mjs. Do not edit.\n` +
      `/** The contents of schema/${source}. */\n` +
      `export const ${name} = ${value};\n`
  );
}
