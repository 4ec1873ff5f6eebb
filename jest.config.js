/**
 * Jest projects: `core`, `node` and `lab` are plain TypeScript run by ts-jest
 * in a Node environment (fast, no Babel over JupyterLab's ESM). `lab` tests
 * the frontend's modules that need no DOM: JupyterLab's services and Lumino
 * load as CommonJS, and Node has fetch, streams and Response.
 */
const tsJest = [
  'ts-jest',
  { tsconfig: 'tsconfig.test.json', isolatedModules: false }
];

// tinybench ships only ES modules; the service imports the benchmark runner
// in-process (notebook benchmarks), so jest transpiles it to CommonJS.
const esmOnly = {
  transform: {
    '^.+\\.ts$': tsJest,
    '/node_modules/tinybench/.+\\.js$': [
      'ts-jest',
      {
        tsconfig: { allowJs: true, module: 'commonjs' },
        isolatedModules: true
      }
    ]
  },
  transformIgnorePatterns: ['/node_modules/(?!tinybench/)']
};

module.exports = {
  // testenv's run directory holds etcd's *.snap files, which are not
  // jest snapshots.
  modulePathIgnorePatterns: ['<rootDir>/testenv/'],
  globalSetup: './scripts/jest-global-setup.js',
  projects: [
    {
      displayName: 'core',
      testEnvironment: 'node',
      testRegex: 'src/core/.*/.*.spec.ts$',
      transform: { '^.+\\.ts$': tsJest }
    },
    {
      displayName: 'node',
      testEnvironment: 'node',
      testRegex: 'src/node/.*/.*.spec.ts$',
      ...esmOnly
    },
    {
      displayName: 'lab',
      testEnvironment: 'node',
      testRegex: 'src/lab/.*/.*.spec.ts$',
      transform: { '^.+\\.ts$': tsJest }
    }
  ],
  coverageDirectory: 'coverage',
  collectCoverageFrom: [
    'src/core/**/*.ts',
    'src/node/**/*.ts',
    '!src/**/__tests__/**'
  ],
  coverageReporters: ['lcov', 'text-summary']
};
