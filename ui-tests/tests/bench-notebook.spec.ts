import { expect, test } from '@jupyterlab/galata';

import { consoleErrors, openLaunchPanel } from './helpers';

test.use({ viewport: { width: 1280, height: 860 } });

/** A notebook that does almost nothing on every rank. */
const TINY = {
  cells: [
    {
      cell_type: 'code',
      execution_count: null,
      metadata: {},
      outputs: [],
      source: [
        'from mpi4py import MPI\n',
        'print("rank", MPI.COMM_WORLD.Get_rank(), "of", MPI.COMM_WORLD.Get_size())'
      ]
    }
  ],
  metadata: {
    kernelspec: {
      display_name: 'Python 3',
      language: 'python',
      name: 'python3'
    }
  },
  nbformat: 4,
  nbformat_minor: 5
};

test.describe('Benchmark this notebook', () => {
  test('runs the notebook at 1 and 2 workers through the service and opens the chart', async ({
    page,
    tmpPath
  }) => {
    const errors = consoleErrors(page);
    const notebook = `${tmpPath}/tiny.ipynb`;
    await page.contents.uploadContent(JSON.stringify(TINY), 'text', notebook);
    await page.notebook.openByPath(notebook);
    await page.notebook.activate('tiny.ipynb');
    const panel = await openLaunchPanel(page);

    const section = panel.locator('.mpijob-LaunchBench');
    await section.getByText('Benchmark this notebook at 1..N workers').click();
    await section.getByLabel('Up to workers').fill('2');
    await section.getByLabel('Runs per count').fill('1');
    await section.getByLabel('Warm-up runs').fill('0');
    const run = section.getByRole('button', {
      name: 'Benchmark at 1, 2 workers'
    });
    await expect(run).toBeEnabled({ timeout: 60000 });
    await run.click();

    // The results open as a chart when the benchmark is done.
    const viewer = page.locator('.mpijob-BenchResultsDocument:visible');
    await expect(viewer.locator('canvas')).toHaveCount(2, { timeout: 90000 });
    const rows = viewer.locator('.mpijob-BenchTable tbody tr');
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0)).toHaveAttribute('data-workers', '1');
    await expect(rows.nth(1)).toHaveAttribute('data-workers', '2');
    // The notebook prints no MPIJOB_BENCH line: timed end to end.
    await expect(viewer).toContainText('speedup from the end-to-end time');
    await expect(
      page.locator('.jp-toast-message', { hasText: 'Benchmark of tiny' })
    ).toBeVisible({ timeout: 30000 });

    // The results file lies in benchmarks/ beside the notebook.
    const listing = await page.contents.getContentMetadata(
      `${tmpPath}/benchmarks`,
      'directory'
    );
    const files = ((listing?.content ?? []) as { name: string }[]).map(
      f => f.name
    );
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^tiny-\d{8}-\d{6}\.json$/);
    expect(errors).toEqual([]);
  });
});
