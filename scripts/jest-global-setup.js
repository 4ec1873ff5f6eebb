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
};
