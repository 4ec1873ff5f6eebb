/**
 * The `%%mpijob` cell magic in a real notebook: the cell runs as a job on two
 * ranks, and both ranks' output streams into the cell's output area.
 */
import { expect, test } from '@jupyterlab/galata';

const MAGIC_CELL = [
  '%%mpijob --workers 2 --name galata-magic',
  'from mpi4py import MPI',
  'comm = MPI.COMM_WORLD',
  "print(f'hello from rank {comm.Get_rank()} of {comm.Get_size()}')"
].join('\n');

test('a %%mpijob cell shows both ranks’ output', async ({ page, tmpPath }) => {
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
    cells: ['%load_ext jupyterlab_mpijob', MAGIC_CELL].map((source, i) => ({
      cell_type: 'code',
      id: `cell${i}`,
      metadata: {},
      outputs: [],
      execution_count: null,
      source
    }))
  };
  const file = `${tmpPath}/magic.ipynb`;
  await page.contents.uploadContent(JSON.stringify(notebook), 'text', file);
  await page.notebook.openByPath(file);
  await page.notebook.activate('magic.ipynb');

  await page.notebook.runCell(0);
  await page.notebook.runCell(1);

  const output = page
    .locator('.jp-Notebook .jp-Cell')
    .nth(1)
    .locator('.jp-OutputArea');
  await expect(output).toContainText('[rank 0] hello from rank 0 of 2', {
    timeout: 90000
  });
  await expect(output).toContainText('[rank 1] hello from rank 1 of 2');
  await expect(output).toContainText(
    /mpijob\.kubeflow\.org\/galata-magic Succeeded in \d+\.\d+ s/
  );
});
