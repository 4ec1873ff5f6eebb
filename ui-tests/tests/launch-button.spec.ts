import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

import {
  basicField,
  openExample,
  openLaunchPanel,
  SCREENSHOTS,
  submitButton,
  TOOLBAR_BUTTON
} from './helpers';

test.use({ viewport: { width: 1280, height: 860 } });

test.describe('Launch panel', () => {
  test('opens from the toolbar button with a YAML preview and preflight', async ({
    page,
    tmpPath
  }) => {
    const errors: string[] = [];
    page.on('console', message => {
      if (message.type() === 'error') {
        errors.push(message.text());
      }
    });
    await openExample(page, tmpPath);
    const button = page.locator(TOOLBAR_BUTTON);
    await expect(button).toBeVisible();
    await button
      .getByRole('button', {
        name: /Run this notebook’s code as a Kubeflow MPIJob/
      })
      .click();
    const panel = page.locator('.mpijob-LaunchPanel');
    await expect(panel.locator('h2')).toHaveText('Launch as MPIJob');
    // mpi-pi, or mpi-pi-N when earlier tests left jobs of that name.
    await expect(basicField(panel, 'name')).toHaveValue(/^mpi-pi(-\d+)?$/);
    const name = await basicField(panel, 'name').inputValue();
    await expect(basicField(panel, 'workers')).toHaveValue('2');
    const yaml = panel.locator('.mpijob-Yaml-text');
    await expect(yaml).toContainText('kind: MPIJob');
    await expect(yaml).toContainText(`name: ${name}`);
    await expect(yaml).toContainText('comm.reduce(local, op=MPI.SUM, root=0)');
    await expect(panel.locator('.mpijob-Yaml-summary')).toContainText(
      '3 cells of'
    );
    await expect(panel.locator('.mpijob-Preflight-status')).toContainText(
      'Jobs can run on the local backend.',
      { timeout: 60000 }
    );
    await expect(submitButton(panel)).toBeEnabled();
    // The YAML follows the form.
    await basicField(panel, 'workers').fill('3');
    await expect(yaml).toContainText('replicas: 3');
    await expect(
      panel.getByRole('button', { name: 'Copy YAML' })
    ).toBeEnabled();
    // Advanced fields are folded until asked for.
    await expect(panel.locator('[id$="-advanced_cpu"]')).toHaveCount(0);
    await panel.locator('.mpijob-LaunchForms-advanced > summary').click();
    await expect(panel.locator('[id$="-advanced_cpu"]')).toHaveValue('1');
    await panel.locator('.mpijob-LaunchForms-advanced > summary').click();
    await basicField(panel, 'workers').fill('2');

    await page.screenshot({
      path: path.join(SCREENSHOTS, 'launch-panel-light.png')
    });
    await page.theme.setDarkTheme();
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'launch-panel-dark.png')
    });
    await page.theme.setLightTheme();
    expect(errors).toEqual([]);
  });

  test('disables Submit with a message next to the field for invalid input', async ({
    page,
    tmpPath
  }) => {
    await openExample(page, tmpPath);
    const panel = await openLaunchPanel(page);
    await expect(submitButton(panel)).toBeEnabled({ timeout: 60000 });
    await basicField(panel, 'workers').fill('0');
    await expect(submitButton(panel)).toBeDisabled();
    await expect(
      panel.locator('.validationErrors', { hasText: 'must be at least 1' })
    ).toBeVisible();
    await expect(panel.locator('.mpijob-Launch-reasons')).toContainText(
      'Fix the problems marked above.'
    );
    await basicField(panel, 'name').fill('Bad Name');
    await expect(
      panel.locator('.validationErrors', {
        hasText: 'must start with a lowercase letter'
      })
    ).toBeVisible();
    await basicField(panel, 'name').fill('fine-name');
    await basicField(panel, 'workers').fill('2');
    await expect(submitButton(panel)).toBeEnabled();
    // A rule across fields (checked once the fields themselves are valid):
    // up-to needs the last cell.
    await panel
      .locator('[id$="-basic_source_cells"]')
      .selectOption({ label: 'up-to' });
    await expect(
      panel.locator('.validationErrors', {
        hasText: "is required when cells is 'up-to'"
      })
    ).toBeVisible();
    await expect(submitButton(panel)).toBeDisabled();
    await panel.locator('[id$="-basic_source_upToCell"]').fill('3');
    await expect(panel.locator('.mpijob-Yaml-summary')).toContainText(
      '2 cells of'
    );
    await panel
      .locator('[id$="-basic_source_cells"]')
      .selectOption({ label: 'all' });
    await expect(submitButton(panel)).toBeEnabled();
  });

  test('names the cell that cannot run and links to it', async ({ page }) => {
    await page.notebook.createNew('pip.ipynb');
    await page.notebook.setCell(0, 'code', 'import os');
    await page.notebook.addCell('code', '%pip install torch');
    await page.locator(TOOLBAR_BUTTON).locator('button').click();
    const panel = page.locator('.mpijob-LaunchPanel');
    const problems = panel.locator('.mpijob-Problems.mpijob-mod-error');
    await expect(problems).toContainText('cell 2, line 1');
    await expect(submitButton(panel)).toBeDisabled();
    await problems.locator('.mpijob-CellLink').click();
    await expect
      .poll(() =>
        page.evaluate(() => {
          const current = window.jupyterapp.shell.currentWidget as unknown as {
            content?: { activeCellIndex?: number };
          };
          return current?.content?.activeCellIndex;
        })
      )
      .toBe(1);
  });

  test('opens from the palette, the context menu, the shortcut and the selection', async ({
    page,
    tmpPath
  }) => {
    await openExample(page, tmpPath);
    // Keyboard shortcut.
    await page.notebook.selectCells(1);
    await page.keyboard.press('Alt+Shift+M');
    const panel = page.locator('.mpijob-LaunchPanel');
    await expect(panel).toBeVisible();
    await panel.getByRole('button', { name: 'Cancel' }).click();
    await expect(panel).toHaveCount(0);

    // The Run menu.
    await page.menu.open('Run');
    await expect(
      page.locator('.lm-Menu-itemLabel', {
        hasText: 'Launch Selected Cells as MPIJob'
      })
    ).toBeVisible();
    await page.keyboard.press('Escape');

    // Command palette.
    await page.notebook.activate('mpi-pi.ipynb');
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('apputils:activate-command-palette')
    );
    await page.locator('.lm-CommandPalette-input').fill('Launch as MPIJob');
    await page
      .locator('.lm-CommandPalette-item', { hasText: 'Launch as MPIJob' })
      .first()
      .click();
    await expect(panel).toBeVisible();
    await panel.getByRole('button', { name: 'Cancel' }).click();

    // Context menu of a cell: the selected cells only.
    await page.notebook.activate('mpi-pi.ipynb');
    await page.notebook.selectCells(1, 2);
    await page.notebook
      .getCellLocator(1)
      .then(cell => cell!.click({ button: 'right' }));
    await page
      .locator('.lm-Menu-item', { hasText: 'Launch Selected Cells as MPIJob' })
      .click();
    await expect(panel).toBeVisible();
    // rjsf's select values are option indexes: read the chosen label.
    await expect
      .poll(() =>
        panel
          .locator('[id$="-basic_source_cells"]')
          .evaluate(
            (select: HTMLSelectElement) =>
              select.options[select.selectedIndex].text
          )
      )
      .toBe('selected');
    await expect(panel.locator('.mpijob-Yaml-text')).toContainText('[cell 2');
    await expect(panel.locator('.mpijob-Yaml-summary')).toContainText(
      '2 cells of'
    );
  });

  test('hides the toolbar button live when the setting says so', async ({
    page,
    tmpPath
  }) => {
    await openExample(page, tmpPath);
    await expect(page.locator(TOOLBAR_BUTTON)).toBeVisible();
    await page.evaluate(async () => {
      const registry = await window.galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry!.set(
        'jupyterlab-mpijob:plugin',
        'showToolbarButton',
        false
      );
    });
    await expect(page.locator(TOOLBAR_BUTTON)).toBeHidden();
    await page.evaluate(async () => {
      const registry = await window.galata.getPlugin(
        '@jupyterlab/apputils-extension:settings'
      );
      await registry!.set(
        'jupyterlab-mpijob:plugin',
        'showToolbarButton',
        true
      );
    });
    await expect(page.locator(TOOLBAR_BUTTON)).toBeVisible();
  });

  test('shows the service’s refusal next to the fields and keeps the input', async ({
    page,
    tmpPath
  }) => {
    await page.route(/\/mpijob\/api\/jobs(\?.*)?$/, route =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 400,
            contentType: 'application/problem+json',
            json: {
              type: 'urn:jupyterlab-mpijob:problem:Invalid',
              title: 'Invalid',
              status: 400,
              detail: 'The launch spec is invalid: workers: exceeds the quota',
              errors: [
                {
                  path: 'workers',
                  message: 'exceeds the namespace quota of 4 workers'
                },
                {
                  path: 'cell 3, line 2',
                  message: 'uses a name the cluster forbids'
                }
              ]
            }
          })
        : route.continue()
    );
    await openExample(page, tmpPath);
    const panel = await openLaunchPanel(page);
    await basicField(panel, 'name').fill('quota-test');
    await basicField(panel, 'workers').fill('7');
    await expect(submitButton(panel)).toBeEnabled({ timeout: 60000 });
    await submitButton(panel).click();
    await expect(
      panel.locator('.validationErrors', {
        hasText: 'exceeds the namespace quota of 4 workers'
      })
    ).toBeVisible();
    await expect(
      panel.locator('.mpijob-Problems.mpijob-mod-error')
    ).toContainText('uses a name the cluster forbids');
    await expect(panel.locator('.mpijob-Launch-serverError')).toContainText(
      'The service refused the job'
    );
    await expect(basicField(panel, 'name')).toHaveValue('quota-test');
    await expect(basicField(panel, 'workers')).toHaveValue('7');
    await expect(
      page.locator('.jp-toast-message', {
        hasText: 'Could not submit quota-test'
      })
    ).toBeVisible();
    // Editing clears the service's verdict.
    await basicField(panel, 'workers').fill('4');
    await expect(panel.locator('.mpijob-Launch-serverError')).toHaveCount(0);
  });

  test('registers exactly one settings schema (no ghost entries)', async ({
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
