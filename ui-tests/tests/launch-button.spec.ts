import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'examples', 'mpi-pi.ipynb');
const BUTTON = '.jp-NotebookPanel-toolbar [data-command="mpijob:launch"]';

test.describe('Launch as MPIJob', () => {
  test('should put the button on the notebook toolbar and preview the MPIJob', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadFile(EXAMPLE, `${tmpPath}/mpi-pi.ipynb`);
    await page.notebook.openByPath(`${tmpPath}/mpi-pi.ipynb`);
    const button = page.locator(BUTTON);
    await expect(button).toBeVisible();
    const launch = button.getByRole('button', {
      name: /Run this notebook’s code as a Kubeflow MPIJob/
    });
    await launch.click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.locator('.jp-Dialog-header')).toHaveText(
      'Launch as MPIJob'
    );
    const yaml = dialog.locator('.mpijob-PreviewDialog-yaml');
    await expect(yaml).toContainText('kind: MPIJob');
    await expect(yaml).toContainText('name: mpi-pi');
    await expect(yaml).toContainText('comm.reduce(local, op=MPI.SUM, root=0)');
    await expect(dialog.locator('.mpijob-PreviewDialog-summary')).toContainText(
      '3 cells of'
    );
    await page.screenshot({ path: 'test-results/launch-preview.png' });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(dialog).toHaveCount(0);
  });

  test('should name the cell when the notebook cannot run as an MPIJob', async ({
    page,
    tmpPath
  }) => {
    await page.notebook.createNew('pip.ipynb');
    await page.notebook.setCell(0, 'code', 'import os');
    await page.notebook.addCell('code', '%pip install torch');
    await page.locator(BUTTON).locator('button').click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.locator('.jp-Dialog-header')).toHaveText(
      'Cannot launch as MPIJob'
    );
    await expect(dialog.locator('.jp-Dialog-body')).toContainText(
      'cell 2, line 1'
    );
  });

  test('should register exactly one settings schema (no ghost entries)', async ({
    page
  }) => {
    const response = await page.request.get('/lab/api/settings');
    expect(response.ok()).toBe(true);
    const body = (await response.json()) as { settings: { id: string }[] };
    const ours = body.settings
      .map(s => s.id)
      .filter(id => id.startsWith('jupyterlab-mpijob'));
    expect(ours).toEqual(['jupyterlab-mpijob:plugin']);
  });
});
