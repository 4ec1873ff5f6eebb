// Embeds files of schema/ into TypeScript modules: tsc's rootDir (src) cannot
// import files outside src, and the bundled CLI cannot read files next to its
// source. schema/ stays the source of truth; unit tests fail when a generated
// copy is stale (run `npm run build:schemas`).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parse } from 'yaml';

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
  ],
  [
    'openapi.yaml',
    'src/core/generated/benchRequestSchema.ts',
    'benchRequestSchema',
    'component:BenchmarkRequest'
  ]
];

// Fields of a request component that the service checks on its own, after
// the schema: the spec with the launch spec's own paths, the notebook by
// packaging it. The schema keeps them as known fields, unconstrained.
const CHECKED_ELSEWHERE = ['spec', 'notebook'];

/** One schema of openapi.yaml's components, standalone. */
function component(text, name) {
  const schema = structuredClone(parse(text).components.schemas[name]);
  for (const field of CHECKED_ELSEWHERE) {
    if (schema.properties?.[field]) {
      schema.properties[field] = {
        description: schema.properties[field].description
      };
    }
  }
  schema.required = schema.required?.filter(
    field => !CHECKED_ELSEWHERE.includes(field)
  );
  return schema;
}

function embed(text, kind) {
  if (kind === 'json') {
    return `${JSON.stringify(JSON.parse(text), null, 2)} as const`;
  }
  if (kind.startsWith('component:')) {
    const name = kind.slice('component:'.length);
    return `${JSON.stringify(component(text, name), null, 2)} as const`;
  }
  return JSON.stringify(text);
}

for (const [source, target, name, kind] of EMBEDDED) {
  const text = readFileSync(join(root, 'schema', source), 'utf8');
  const value = embed(text, kind);
  const out = join(root, target);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `// Generated from schema/${source} by scripts/embed-schemas.mjs. Do not edit.\n` +
      `/** The contents of schema/${source}${kind.startsWith('component:') ? ` (${kind})` : ''}. */\n` +
      `export const ${name} = ${value};\n`
  );
}
