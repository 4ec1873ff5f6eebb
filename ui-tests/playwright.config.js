/**
 * Galata's configuration, driving Debian's Chromium (browser downloads do not
 * work on these machines) against a real `jupyter lab`.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

// MPIJOB_UI_PORT lets several checkouts run their UI tests side by side.
const port = process.env.MPIJOB_UI_PORT || '8888';

module.exports = {
  ...baseConfig,
  // The Kubernetes backend's tests have their own configuration
  // (playwright.kubernetes.config.js): a cluster, another jupyter lab.
  testDir: 'tests',
  reporter: [['list'], ['json', { outputFile: 'test-results/results.json' }]],
  retries: 0,
  workers: 1,
  timeout: 120000,
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${port}`,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync'
      ]
    }
  },
  webServer: {
    command: `jupyter lab --config jupyter_server_test_config.py --ServerApp.port=${port} --ServerApp.port_retries=0`,
    url: `http://localhost:${port}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
