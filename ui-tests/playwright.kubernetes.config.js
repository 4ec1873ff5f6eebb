/**
 * Galata on the Kubernetes backend: a real `jupyter lab` whose job service
 * runs MPIJobs on the control plane of testenv/ (kube-apiserver, the
 * mpi-operator, KWOK GPU nodes), started by testenv/start.sh. Without that
 * control plane these tests cannot run: the configuration refuses to start
 * rather than skip them.
 */
const fs = require('fs');
const path = require('path');

const baseConfig = require('./playwright.config');

const testenv =
  process.env.MPIJOB_TESTENV_DIR ||
  path.resolve(__dirname, '..', 'testenv', '.run');
// start.sh writes env once the control plane is ready; stop.sh removes it.
if (!fs.existsSync(path.join(testenv, 'env'))) {
  throw new Error(
    `no Kubernetes control plane at ${testenv}: run testenv/build.sh and testenv/start.sh first (scripts/test.sh does)`
  );
}
process.env.MPIJOB_TESTENV_DIR = testenv;

const port = process.env.MPIJOB_UI_PORT || '8888';

module.exports = {
  ...baseConfig,
  testDir: 'kubernetes',
  reporter: [
    ['list'],
    ['json', { outputFile: 'test-results/kubernetes.json' }]
  ],
  webServer: {
    ...baseConfig.webServer,
    command: `jupyter lab --config jupyter_server_kubernetes_config.py --ServerApp.port=${port} --ServerApp.port_retries=0`
  }
};
