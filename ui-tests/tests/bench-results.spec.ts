import { expect, test } from '@jupyterlab/galata';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import * as path from 'path';

import { consoleErrors, SCREENSHOTS, setTheme, waitForStill } from './helpers';

test.use({ viewport: { width: 1280, height: 860 } });

/** The committed results of the development machine. */
const RESULTS = path.resolve(__dirname, '..', '..', 'benchmarks', 'results');
const REAL = 'compute-local-20261129-074644.json';
const EARLIER = 'compute-local-20261129-071219.json';
/** A 50 × 100 scale run whose RSS missed its target (347 MiB). */
const SCALE = 'scale-kwok-20261201-094758.json';

/** Opens a file with its default viewer, as a double click does. */
async function open(page: IJupyterLabPageFixture, file: string) {
  await page.evaluate(
    target =>
      window.jupyterapp.commands.execute('docmanager:open', { path: target }),
    file
  );
}

test.describe('Benchmark results viewer', () => {
  test('opens a results file as speedup and efficiency charts with its table', async ({
    page,
    tmpPath
  }) => {
    const errors = consoleErrors(page);
    await page.contents.uploadFile(
      path.join(RESULTS, REAL),
      `${tmpPath}/${REAL}`
    );
    await open(page, `${tmpPath}/${REAL}`);

    const viewer = page.locator('.mpijob-BenchResultsDocument:visible');
    await expect(viewer.locator('canvas')).toHaveCount(2);
    await expect(
      viewer.getByRole('img', { name: 'Speedup against workers' })
    ).toBeVisible();
    await expect(
      viewer.getByRole('img', { name: 'Parallel efficiency against workers' })
    ).toBeVisible();
    const rows = viewer.locator('.mpijob-BenchTable tbody tr');
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0)).toHaveAttribute('data-workers', '1');
    await expect(rows.nth(1)).toHaveAttribute('data-workers', '2');
    // Workers, time (median, range), speedup [95% CI], min ratio, efficiency,
    // Karp–Flatt, E2E, bare, overhead, extra.
    await expect(rows.nth(0).locator('td')).toHaveCount(10);
    await expect(rows.nth(1).locator('td').nth(1)).toHaveText(
      /^\d\.\d{3} s \(\d\.\d{3}–\d\.\d{3}\)$/
    );
    await expect(rows.nth(1).locator('td').nth(2)).toHaveText(
      /^\d\.\d\d \[\d\.\d\d–\d\.\d\d\]$/
    );
    await expect(rows.nth(1).locator('td').nth(3)).toHaveText(/^\d\.\d\d$/);
    await expect(rows.nth(1).locator('td').nth(4)).toHaveText(/%$/);
    await expect(viewer.locator('thead th')).toContainText([
      'Workers',
      'Time',
      'Speedup',
      'Min ratio',
      'Efficiency',
      'Karp–Flatt',
      'E2E',
      'Bare',
      'Overhead',
      'Extra'
    ]);
    await expect(viewer.locator('.mpijob-BenchResults-state')).toHaveText(
      'completed'
    );
    // The tab names the file and wears the chart icon.
    await expect(
      page.getByRole('tab', { name: new RegExp(REAL.replace('.', '\\.')) })
    ).toBeVisible();

    await waitForStill(page);
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'bench-results-light.png')
    });
    await setTheme(page, 'JupyterLab Dark');
    await expect(viewer.locator('canvas')).toHaveCount(2);
    await waitForStill(page);
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'bench-results-dark.png')
    });
    await setTheme(page, 'JupyterLab Light');
    expect(errors).toEqual([]);
  });

  test('opens a scale run as pods Running over time, latency curves and its targets', async ({
    page,
    tmpPath
  }) => {
    const errors = consoleErrors(page);
    await page.contents.uploadFile(
      path.join(RESULTS, SCALE),
      `${tmpPath}/${SCALE}`
    );
    await open(page, `${tmpPath}/${SCALE}`);

    const viewer = page.locator('.mpijob-BenchResultsDocument:visible');
    await expect(viewer.locator('canvas')).toHaveCount(3);
    for (const name of [
      'Pods Running over time, per job and in all',
      'Submit to job Running, cumulative distribution',
      'Status change to SSE event, cumulative distribution'
    ]) {
      await expect(viewer.getByRole('img', { name })).toBeVisible();
    }
    await expect(viewer.locator('.mpijob-BenchResults-meta').nth(1)).toHaveText(
      '50 jobs × 100 workers (5050 pods) on 47 simulated nodes, followed by 4 SSE clients.'
    );
    const targets = viewer.locator('.mpijob-ScaleResults-targets tbody tr');
    await expect(targets.locator('td:first-child')).toHaveText([
      'jobs Running',
      'status → SSE p99',
      'service RSS',
      'watches',
      'SSE: lost or duplicated',
      'delete all'
    ]);
    // Read from the file: 347 MiB missed the 300 MiB target, the rest met.
    const rss = targets.filter({ hasText: 'service RSS' });
    await expect(rss).toHaveClass(/jp-mod-missed/);
    await expect(rss.locator('td').nth(2)).toHaveText('347 MiB');
    await expect(targets.filter({ hasText: 'jobs Running' })).toHaveClass(
      /jp-mod-met/
    );
    await expect(
      viewer.getByRole('heading', {
        name: 'The mpi-operator creating the pods'
      })
    ).toBeVisible();
    const faults = viewer
      .locator('.mpijob-BenchTable')
      .filter({ hasText: 'operator-kill' });
    await expect(faults.locator('tbody tr')).toHaveCount(1);
    await expect(faults.locator('tbody td').last()).toHaveText('yes');

    await waitForStill(page);
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'bench-results-scale-light.png')
    });
    await setTheme(page, 'JupyterLab Dark');
    await expect(viewer.locator('canvas')).toHaveCount(3);
    await waitForStill(page);
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'bench-results-scale-dark.png')
    });
    await setTheme(page, 'JupyterLab Light');
    expect(errors).toEqual([]);
  });

  test('names what is wrong with a file that is not a results file', async ({
    page,
    tmpPath
  }) => {
    const file = `${tmpPath}/broken-20261129-000000.json`;
    await page.contents.uploadContent(
      JSON.stringify({ schemaVersion: 1, kind: 'scenario', name: 7 }),
      'text',
      file
    );
    await open(page, file);
    const alert = page
      .locator('.mpijob-BenchResultsDocument:visible')
      .getByRole('alert');
    await expect(alert).toContainText(
      'broken-20261129-000000.json is not a benchmark results file'
    );
    // The schema validator's problems, by field.
    await expect(alert).toContainText('name');
    await expect(alert).toContainText('environment');
    await expect(alert).toContainText('Open With > Editor');

    const text = `${tmpPath}/notes-20261129-000000.json`;
    await page.contents.uploadContent('{ not json', 'text', text);
    await open(page, text);
    await expect(
      page.locator('.mpijob-BenchResultsDocument:visible').getByRole('alert')
    ).toContainText('is not JSON');
  });

  test('overlays several results files, and opens any JSON file from the file browser', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadFile(
      path.join(RESULTS, REAL),
      `${tmpPath}/${REAL}`
    );
    await page.contents.uploadFile(
      path.join(RESULTS, EARLIER),
      `${tmpPath}/results.json`
    );
    await page.evaluate(
      paths =>
        window.jupyterapp.commands.execute('mpijob:open-chart', { paths }),
      [`${tmpPath}/${REAL}`, `${tmpPath}/results.json`]
    );
    const compare = page.locator('.mpijob-BenchResultsDocument:visible');
    await expect(compare.locator('canvas')).toHaveCount(2);
    await expect(compare.locator('.mpijob-BenchResults-file')).toHaveCount(2);
    // Same scenario name twice: the labels add the start time.
    await expect(
      compare.locator('.mpijob-BenchResults-file h3').first()
    ).toContainText('compute-local (2026-11-29 07:46)');

    // Results files (by their name) open in the viewer by default; any
    // other JSON file offers it among its factories (Open With) and in the
    // file browser's context menu.
    const factories = await page.evaluate(() => {
      const registry = window.jupyterapp.docRegistry;
      return {
        results: registry.defaultWidgetFactory(
          'x/compute-local-20261129-074644.json'
        ).name,
        plain: registry.defaultWidgetFactory('x/results.json').name,
        offered: registry
          .preferredWidgetFactories('x/results.json')
          .map(f => f.name)
      };
    });
    expect(factories.results).toBe('MPIJob Benchmark');
    expect(factories.plain).not.toBe('MPIJob Benchmark');
    expect(factories.offered).toContain('MPIJob Benchmark');
    await page.filebrowser.openDirectory(tmpPath);
    const item = page.locator('.jp-DirListing-item', {
      hasText: 'results.json'
    });
    await item.click({ button: 'right' });
    await page
      .getByRole('menuitem', { name: 'Open as Benchmark Chart' })
      .click();
    const single = page.locator('.mpijob-BenchResultsDocument:visible');
    await expect(single.locator('.mpijob-BenchResults-file')).toHaveCount(1);
    await expect(single.locator('.mpijob-BenchTable tbody tr')).toHaveCount(2);
  });
});
