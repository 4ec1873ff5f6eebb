import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

import {
  basicField,
  consoleErrors,
  openExample,
  openJobsSidebar,
  openLaunchPanel,
  SCREENSHOTS,
  submitWith
} from './helpers';

test.use({ viewport: { width: 1280, height: 860 } });

/** The index of the active cell of the current notebook. */
function activeCellIndex(): number | undefined {
  const current = window.jupyterapp.shell.currentWidget as unknown as {
    content?: { activeCellIndex?: number };
  };
  return current?.content?.activeCellIndex;
}

test.describe('MPI jobs, end to end on the local backend', () => {
  test('runs mpi-pi on 2 workers and shows it in the sidebar and the job view', async ({
    page,
    tmpPath
  }) => {
    const errors = consoleErrors(page);
    await openExample(page, tmpPath);
    const panel = await openLaunchPanel(page);
    const name = await basicField(panel, 'name').inputValue();
    await submitWith(panel, 2);

    // Submitting closes the panel and opens the job view.
    await expect(panel).toHaveCount(0);
    const view = page.locator('.mpijob-JobPanel:visible');
    await expect(view.locator('.mpijob-JobHeader h2')).toHaveText(name);

    const sidebar = await openJobsSidebar(page);
    const card = sidebar.locator(`.mpijob-JobCard[data-job-name="${name}"]`);
    await expect(card).toHaveAttribute('data-phase', 'Succeeded', {
      timeout: 90000
    });
    await expect(card).toHaveClass(/jp-mod-active/);
    await expect(card).toContainText('2 workers');

    // A notification tells the job of this session ended.
    await expect(
      page.locator('.jp-toast-message', {
        hasText: `MPI job ${name} succeeded.`
      })
    ).toBeVisible({ timeout: 30000 });

    await card
      .getByRole('button', { name: `Open ${name}` })
      .first()
      .click();
    await expect(view.locator('.mpijob-JobHeader .mpijob-Phase')).toHaveText(
      'Succeeded'
    );
    const cells = view.locator('.mpijob-Topology-cell');
    await expect(cells).toHaveCount(3);
    await expect(
      view.locator('.mpijob-Topology-cell[data-role="launcher"]')
    ).toHaveCount(1);
    await expect(
      view.locator('.mpijob-Topology-cell[data-role="worker"]')
    ).toHaveCount(2);
    const output = view.locator('.mpijob-LogViewer-scroller');
    await expect(output).toContainText('rank 0 of 2');
    await expect(output).toContainText('rank 1 of 2');
    await expect(output).toContainText('pi = 3.14159');
    // Where the ranks ran and how the start went, step by step.
    const startup = view.locator('.mpijob-StartupReport');
    await expect(startup.locator('li[data-step]')).toHaveText([
      /^Created\+\d+\.\d s$/,
      /^mpirun started\+\d+\.\d s$/,
      /^First rank output\+\d+\.\d s$/,
      /^Finished\+\d+\.\d s$/
    ]);
    await expect(startup.locator('tbody tr')).toHaveCount(2);
    await expect(startup.locator('tr[data-rank="1"] td').nth(2)).toHaveText(
      'worker 1'
    );

    // One rank's output: click worker 1 in the topology.
    await view
      .locator('.mpijob-Topology-cell[data-role="worker"][data-index="1"]')
      .click();
    await expect(view.locator('.mpijob-LogViewer-toolbar select')).toHaveValue(
      '1'
    );
    await expect(output).toContainText('rank 1 of 2');
    await expect(output).not.toContainText('rank 0 of 2');
    // mpirun printed nothing, and the job has ended: nothing is still to come.
    await view.locator('.mpijob-Topology-cell[data-role="launcher"]').click();
    await expect(view.locator('.mpijob-LogViewer-toolbar select')).toHaveValue(
      'launcher'
    );
    await expect(view.locator('.mpijob-LogViewer-empty')).toHaveText(
      'No output.'
    );
    await view.locator('.mpijob-LogViewer-toolbar select').selectOption('all');

    // Search marks the hits.
    await view.getByRole('searchbox', { name: 'Search output' }).fill('rank 1');
    await expect(view.locator('.mpijob-LogViewer-hits')).toHaveText('1 of 1');
    await expect(output.locator('mark')).toHaveCount(1);
    await view.getByRole('searchbox', { name: 'Search output' }).fill('');

    await page.screenshot({
      path: path.join(SCREENSHOTS, 'job-view-light.png')
    });
    await page.theme.setDarkTheme();
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'job-view-dark.png')
    });
    await page.theme.setLightTheme();
    expect(errors).toEqual([]);
  });

  test('shows a failing cell with a link that selects it', async ({ page }) => {
    await page.notebook.createNew('fails.ipynb');
    await page.notebook.setCell(
      0,
      'code',
      'from mpi4py import MPI\nrank = MPI.COMM_WORLD.Get_rank()\nprint("hello from", rank)'
    );
    await page.notebook.addCell(
      'code',
      'x = 1\nif rank == 1: raise ValueError(f"boom on rank {rank}")\nMPI.COMM_WORLD.Barrier()'
    );
    await page.notebook.save();
    const panel = await openLaunchPanel(page);
    const name = await basicField(panel, 'name').inputValue();
    await submitWith(panel, 2);

    const view = page.locator('.mpijob-JobPanel:visible');
    await expect(view.locator('.mpijob-JobHeader .mpijob-Phase')).toHaveText(
      'Failed',
      {
        timeout: 90000
      }
    );
    await expect(view.locator('.mpijob-JobHeader-message')).toContainText(
      'ValueError: boom on rank'
    );
    const link = view
      .locator('.mpijob-JobHeader-message .mpijob-CellLink')
      .first();
    await expect(link).toContainText('cell 2, line 2');
    // The output's traceback points at the cell too (the program's source map is known here).
    await expect(
      view
        .locator('.mpijob-LogViewer-scroller .mpijob-CellLink', {
          hasText: 'cell 2, line 2'
        })
        .first()
    ).toBeVisible();
    // Rank 1 failed first; mpirun and rank 0 only stopped because of it.
    const failed = view.locator('.mpijob-Topology-cell.mpijob-mod-failed');
    await expect(failed).toHaveCount(1);
    await expect(failed).toHaveAttribute('data-index', '1');
    await expect(failed).toHaveAttribute('data-role', 'worker');
    await expect(failed).toHaveAttribute('title', /^Worker 1: Failed first/);
    const stopped = view.locator('.mpijob-Topology-cell.mpijob-mod-stopped');
    await expect(stopped).toHaveCount(2);
    await expect(
      view.locator('.mpijob-Topology-cell[data-role="worker"][data-index="0"]')
    ).toHaveAttribute(
      'title',
      /^Worker 0: Stopped because worker 1 failed first/
    );
    await expect(view.locator('.mpijob-Topology-legend')).toContainText(
      '1 Failed'
    );
    await expect(view.locator('.mpijob-Topology-legend')).toContainText(
      '2 Stopped'
    );
    // Rank 1's own output reads in the order it printed it.
    await view.locator('.mpijob-LogViewer-toolbar select').selectOption('1');
    await expect(
      view.locator('.mpijob-LogViewer-scroller .mpijob-LogRow-text').first()
    ).toHaveText('hello from 1');

    const sidebar = await openJobsSidebar(page);
    const card = sidebar.locator(`.mpijob-JobCard[data-job-name="${name}"]`);
    await expect(card).toHaveAttribute('data-phase', 'Failed');
    // The card says which rank and cell, not only WorkerFailed.
    await expect(card.locator('.mpijob-JobCard-reason')).toHaveText(
      'rank 1 failed (exit code 1) in cell 2, line 2: ValueError: boom on rank 1'
    );
    await expect(
      page.locator('.jp-toast-message', { hasText: `MPI job ${name} failed` })
    ).toBeVisible({ timeout: 30000 });

    await page
      .locator(`.mpijob-JobCard[data-job-name="${name}"]`)
      .getByRole('button', { name: `Open ${name}` })
      .first()
      .click();
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'job-view-failed-light.png')
    });
    await page.theme.setDarkTheme();
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'job-view-failed-dark.png')
    });
    await page.theme.setLightTheme();

    await page.notebook.activate('fails.ipynb');
    await page.notebook.selectCells(0);
    await page
      .locator(`.lm-DockPanel-tabBar .lm-TabBar-tab[data-id^="mpijob-job-"]`)
      .first()
      .click();
    await link.click();
    await expect.poll(() => page.evaluate(activeCellIndex)).toBe(1);
    await expect(
      page.locator('.jp-NotebookPanel:visible .jp-Cell.jp-mod-active')
    ).toContainText('boom on rank');
  });

  test('reruns a job at another scale and deletes it after confirmation', async ({
    page,
    tmpPath
  }) => {
    await openExample(page, tmpPath);
    const first = await openLaunchPanel(page);
    const name = await basicField(first, 'name').inputValue();
    await submitWith(first, 1);
    const sidebar = await openJobsSidebar(page);
    const card = sidebar.locator(`.mpijob-JobCard[data-job-name="${name}"]`);
    await expect(card).toHaveAttribute('data-phase', 'Succeeded', {
      timeout: 90000
    });

    await card
      .getByRole('button', { name: `Rerun ${name} at another scale` })
      .click();
    const panel = page.locator('.mpijob-LaunchPanel:visible');
    await expect(basicField(panel, 'workers')).toHaveValue('1');
    await expect(basicField(panel, 'name')).not.toHaveValue(name);
    await panel.getByRole('button', { name: 'Cancel' }).click();

    // The launch panel remembers the values last launched from the notebook.
    await page.notebook.activate('mpi-pi.ipynb');
    const again = await openLaunchPanel(page);
    await expect(basicField(again, 'workers')).toHaveValue('1');
    await again.getByRole('button', { name: 'Cancel' }).click();

    await card
      .getByRole('button', { name: `Open ${name}` })
      .first()
      .click();
    await expect(card).toHaveClass(/jp-mod-active/);
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'jobs-sidebar-light.png')
    });
    await page.theme.setDarkTheme();
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'jobs-sidebar-dark.png')
    });
    await page.theme.setLightTheme();

    // Filters.
    await sidebar
      .getByRole('combobox', { name: 'Filter by phase' })
      .selectOption('Failed');
    await expect(card).toHaveCount(0);
    await sidebar
      .getByRole('combobox', { name: 'Filter by phase' })
      .selectOption('');
    await expect(card).toHaveCount(1);

    await card.getByRole('button', { name: `Delete ${name}` }).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText(`Delete MPI job ${name}?`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(card).toHaveCount(1);
    await card.getByRole('button', { name: `Delete ${name}` }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect(card).toHaveCount(0);
  });
});
