/**
 * benchmarks/README.md's tables are written from the committed results files
 * by scripts/bench-readme.mjs: a number typed by hand, or a results file
 * added without rerunning it, fails here.
 */
import { join } from 'node:path';

import { ROOT, run } from './helpers';

describe('benchmarks/README.md', () => {
  it('should hold exactly the tables benchmarks/results/*.json give', async () => {
    const checked = await run(process.execPath, [
      join(ROOT, 'scripts', 'bench-readme.mjs'),
      '--check'
    ]);
    expect(checked.stderr).toBe('');
    expect(checked.code).toBe(0);
  });
});
