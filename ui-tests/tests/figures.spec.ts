/**
 * A notebook that plots: the job view shows the figures its cells left,
 * as JupyterLab would show them under the cells.
 */
import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

import { openLaunchPanel, SCREENSHOTS, submitWith } from './helpers';

test.use({ viewport: { width: 1280, height: 900 } });

// plot_labels.py sits beside the notebook: the ranks start there, as a kernel does.
const CELLS = [
  'import matplotlib.pyplot as plt\nimport plot_labels\nfrom mpi4py import MPI\nrank = MPI.COMM_WORLD.Get_rank()',
  'plt.plot([0, 1, 2], [0, 1, 4])\nplt.title(plot_labels.TITLE)',
  "plt.bar(['a', 'b'], [3, 5])\nplt.show()"
];

test('shows the figures a job’s cells left, run beside the notebook’s files', async ({
  page,
  tmpPath
}) => {
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: {
        display_name: 'Python 3',
        language: 'python',
        name: 'python3'
      }
    },
    cells: CELLS.map((source, i) => ({
      cell_type: 'code',
      id: `cell${i}`,
      metadata: {},
      outputs: [],
      execution_count: null,
      source
    }))
  };
  await page.contents.uploadContent(
    "TITLE = 'squares'\n",
    'text',
    `${tmpPath}/plot_labels.py`
  );
  const file = `${tmpPath}/plots.ipynb`;
  await page.contents.uploadContent(JSON.stringify(notebook), 'text', file);
  await page.notebook.openByPath(file);
  await page.notebook.activate('plots.ipynb');
  const panel = await openLaunchPanel(page);
  await submitWith(panel, 1);

  const view = page.locator('.mpijob-JobPanel:visible');
  await expect(view.locator('.mpijob-JobHeader')).toContainText('Succeeded', {
    timeout: 90000
  });
  const figures = view.locator('.mpijob-JobView-figure');
  await expect(figures).toHaveCount(2, { timeout: 30000 });
  await expect(figures.locator('figcaption')).toHaveText([
    'Cell 2, figure 1',
    'Cell 3, figure 1'
  ]);
  // The images were fetched and decoded.
  for (const image of await figures.locator('img').all()) {
    await expect
      .poll(() => image.evaluate(img => (img as HTMLImageElement).naturalWidth))
      .toBeGreaterThan(100);
  }
  await view.locator('.mpijob-JobView-figures').scrollIntoViewIfNeeded();
  await view.screenshot({
    path: path.join(SCREENSHOTS, 'job-view-figures-light.png')
  });
});
