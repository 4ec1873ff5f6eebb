// The CLI tests run the real bundled `mpijob` (lib/node/cli.js) as a child
// process; build it first so `npm test` works on a fresh checkout.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async () => {
  const root = join(__dirname, '..');
  execFileSync(process.execPath, [join(root, 'scripts', 'embed-schemas.mjs')], {
    stdio: 'inherit'
  });
  execFileSync(process.execPath, [join(root, 'scripts', 'bundle-cli.mjs')], {
    stdio: 'inherit'
  });
  // Local backends the tests open in-process start their jobs' supervisors
  // with the bundled CLI (a service finds it as its own script).
  process.env.MPIJOB_CLI_SCRIPT = join(root, 'lib', 'node', 'cli.js');
};
