// Embeds files of schema/ into TypeScript modules: tsc's rootDir (src) cannot
// import files outside src, and the bundled CLI cannot read files next to its
// source. schema/ stays the source of truth; unit tests fail when a generated
// copy is stale (run `npm run build:schemas`; `--check` only compares).
import Ajv from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Generated files by path: written, or with --check compared. */
const outputs = new Map();

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
  outputs.set(
    join(root, target),
    `// Generated from schema/${source} by scripts/embed-schemas.mjs. Do not edit.\n` +
      `/** The contents of schema/${source}${kind.startsWith('component:') ? ` (${kind})` : ''}. */\n` +
      `export const ${name} = ${value};\n`
  );
}

/**
 * The launch spec's validator, compiled here by ajv (standalone code) so
 * nothing compiles it at run time: ajv's code generation took ~50 ms, and
 * loading ajv itself ~30 ms, of every `mpijob create`, `run` or `render`.
 */
const LAUNCH_SPEC_AJV_OPTIONS = {
  // src/core/schemaValidator.ts's options (lazyValidator), defaults filled in.
  allErrors: true,
  verbose: true,
  allowUnionTypes: true,
  strict: true,
  useDefaults: true
};
/** Our own schema annotations: `<keyword>Message`, the sentence shown when that keyword fails. */
const MESSAGE_KEYWORDS = [
  'patternMessage',
  'minimumMessage',
  'minItemsMessage',
  'uniqueItemsMessage'
];

const ajv = new Ajv.default({
  ...LAUNCH_SPEC_AJV_OPTIONS,
  code: { source: true, esm: true }
});
for (const keyword of MESSAGE_KEYWORDS) {
  ajv.addKeyword({ keyword, schemaType: 'string' });
}
const launchSpec = JSON.parse(
  readFileSync(join(root, 'schema', 'launch-spec.json'), 'utf8')
);
const code = standalone
  .default(ajv, ajv.compile(launchSpec))
  .replace(/^"use strict";/, '')
  .replace(
    /require\("ajv\/dist\/runtime\/(\w+)"\)/g,
    (_, name) => `runtime_${name}`
  );
const runtimes = [
  ...new Set([...code.matchAll(/runtime_(\w+)/g)].map(m => m[1]))
];
outputs.set(
  join(root, 'src', 'core', 'generated', 'launchSpecValidator.ts'),
  '// Generated from schema/launch-spec.json by scripts/embed-schemas.mjs\n' +
    '// (ajv standalone code). Do not edit.\n' +
    '// @ts-nocheck\n' +
    runtimes
      .map(
        name => `import * as runtime_${name} from 'ajv/dist/runtime/${name}';\n`
      )
      .join('') +
    code +
    '\n'
);

if (process.argv.includes('--check')) {
  const stale = [...outputs]
    .filter(
      ([path, text]) => !existsSync(path) || readFileSync(path, 'utf8') !== text
    )
    .map(([path]) => path);
  if (stale.length) {
    process.stderr.write(
      `stale: ${stale.join(', ')}: run npm run build:schemas\n`
    );
    process.exit(1);
  }
} else {
  for (const [path, text] of outputs) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}
