// Adds up the results of every suite (jest JSON, pytest JUnit XML, Playwright
// JSON, lint and mypy exit codes) and prints one closing line "N passed, N failed".
// Exits 1 when anything failed or a suite left no results.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '.ci/out';
const suites = [];

function read(file) {
  const path = join(dir, file);
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

// Checks that pass or fail as a whole: their exit code counts as one test.
for (const name of ['lint', 'mypy']) {
  const rc = read(`${name}.rc`);
  suites.push({
    name,
    passed: rc?.trim() === '0' ? 1 : 0,
    failed: rc?.trim() === '0' ? 0 : 1,
    missing: rc === null
  });
}

const jest = read('jest.json');
if (jest) {
  const r = JSON.parse(jest);
  suites.push({
    name: 'jest',
    passed: r.numPassedTests,
    failed: r.numFailedTests + r.numRuntimeErrorTestSuites,
    skipped: r.numPendingTests + r.numTodoTests
  });
} else {
  suites.push({ name: 'jest', passed: 0, failed: 0, missing: true });
}

const junit = read('pytest.xml');
if (junit) {
  const attr = name =>
    Number(
      new RegExp(`<testsuite[^>]*\\s${name}="(\\d+)"`).exec(junit)?.[1] ?? 0
    );
  const tests = attr('tests');
  const failed = attr('failures') + attr('errors');
  const skipped = attr('skipped');
  suites.push({
    name: 'pytest',
    passed: tests - failed - skipped,
    failed,
    skipped
  });
} else {
  suites.push({ name: 'pytest', passed: 0, failed: 0, missing: true });
}

for (const [file, name] of [
  ['playwright.json', 'ui-tests'],
  ['playwright-kubernetes.json', 'ui-tests (kubernetes)']
]) {
  const playwright = read(file);
  if (playwright) {
    const s = JSON.parse(playwright).stats;
    suites.push({
      name,
      passed: s.expected + (s.flaky ?? 0),
      failed: s.unexpected,
      skipped: s.skipped
    });
  } else {
    suites.push({ name, passed: 0, failed: 0, missing: true });
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
console.log('\n== summary');
for (const suite of suites) {
  if (suite.missing) {
    suite.failed += 1;
    console.log(`${suite.name}: no results (the suite did not run)`);
  } else {
    console.log(
      `${suite.name}: ${suite.passed} passed, ${suite.failed} failed${suite.skipped ? `, ${suite.skipped} skipped` : ''}`
    );
  }
  passed += suite.passed;
  failed += suite.failed;
  skipped += suite.skipped ?? 0;
}
console.log(
  `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`
);
process.exitCode = failed ? 1 : 0;
