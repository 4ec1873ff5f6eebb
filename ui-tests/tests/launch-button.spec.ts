import { expect, test } from '@jupyterlab/galata';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as path from 'path';

import {
  basicField,
  consoleErrors,
  openExample,
  openLaunchPanel,
  SCREENSHOTS,
  submitButton,
  TOOLBAR_BUTTON
} from './helpers';

test.use({ viewport: { width: 1280, height: 860 } });

/** Clears a field and types into it key by key, as a user does. */
async function retype(field: Locator, text: string): Promise<void> {
  await field.click();
  await field.press('ControlOrMeta+a');
  await field.press('Backspace');
  if (text) {
    await field.pressSequentially(text);
  }
}

/** The field's error messages, as shown under it (rjsf's `<id>__error` list). */
async function errorsOf(field: Locator): Promise<string[]> {
  const id = await field.getAttribute('id');
  return field.page().locator(`[id="${id}__error"] li`).allInnerTexts();
}

/** Opens a folded section of the launch forms: advanced or kubernetes. */
async function unfold(panel: Locator, part: string): Promise<Locator> {
  const section = panel.locator(`.mpijob-LaunchForms-${part}`);
  if ((await section.getAttribute('open')) === null) {
    await section.locator(':scope > summary').click();
  }
  return section;
}

/** The cores the local backend runs ranks on, from its preflight. */
async function localCores(page: IJupyterLabPageFixture): Promise<number> {
  const response = await page.request.get('mpijob/api/preflight');
  const report = (await response.json()) as {
    checks: { name: string; message: string }[];
  };
  const cores = report.checks.find(c => c.name === 'cores')?.message ?? '';
  return Number(/has (\d+) core/.exec(cores)?.[1]);
}

test.describe('Launch panel', () => {
  test('opens from the toolbar button with a YAML preview and preflight', async ({
    page,
    tmpPath
  }) => {
    const errors = consoleErrors(page);
    await openExample(page, tmpPath);
    const button = page.locator(TOOLBAR_BUTTON);
    await expect(button).toBeVisible();
    // The label the example notebook tells users to click.
    await expect(button.locator('.jp-ToolbarButtonComponent-label')).toHaveText(
      'Launch as MPIJob'
    );
    const launch = button.getByRole('button', { name: 'Launch as MPIJob' });
    await launch.click();
    const panel = page.locator('.mpijob-LaunchPanel');
    await expect(panel.locator('h2')).toHaveText('Launch as MPIJob');
    // mpi-pi, or mpi-pi-N when earlier tests left jobs of that name.
    await expect(basicField(panel, 'name')).toHaveValue(/^mpi-pi(-\d+)?$/);
    const name = await basicField(panel, 'name').inputValue();
    await expect(basicField(panel, 'workers')).toHaveValue('2');
    const yaml = panel.locator('.mpijob-Yaml-text');
    await expect(yaml).toContainText('kind: MPIJob');
    await expect(yaml).toContainText(`name: ${name}`);
    await expect(yaml).toContainText(
      'comm.reduce(local / N, op=MPI.SUM, root=0)'
    );
    await expect(panel.locator('.mpijob-Yaml-summary')).toContainText(
      '3 cells of'
    );
    await expect(
      panel.locator('.mpijob-Preflight-status:not(.mpijob-Preflight-checking)')
    ).toContainText('Jobs can run on the local backend.', { timeout: 60000 });
    await expect(submitButton(panel)).toBeEnabled();
    // The YAML follows the form.
    await basicField(panel, 'workers').fill('3');
    await expect(yaml).toContainText('replicas: 3');
    await expect(
      panel.getByRole('button', { name: 'Copy YAML' })
    ).toBeEnabled();
    // Advanced fields are folded until asked for.
    await expect(panel.locator('[id$="-advanced_slotsPerWorker"]')).toHaveCount(
      0
    );
    await panel.locator('.mpijob-LaunchForms-advanced > summary').click();
    await expect(panel.locator('[id$="-advanced_slotsPerWorker"]')).toHaveValue(
      '1'
    );
    await panel.locator('.mpijob-LaunchForms-advanced > summary').click();
    await basicField(panel, 'workers').fill('2');
    await expect(submitButton(panel)).toBeEnabled();

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
    await expect(basicField(panel, 'workers')).toHaveAttribute(
      'aria-invalid',
      'true'
    );
    await expect(panel.locator('.mpijob-Launch-reasons')).toContainText(
      'Workers: must be at least 1'
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
        hasText: "'up-to' needs the number of the last cell to run"
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
    // The last cell typed for up-to is kept, not reported as unknown.
    await expect(panel.locator('.validationErrors li')).toHaveCount(0);
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

    // The Run menu: the launch plugin's entries, then the sidebar plugin's.
    await page.menu.open('Run');
    await expect(
      page.locator('.lm-Menu-itemLabel', {
        hasText: 'Launch Selected Cells as MPIJob'
      })
    ).toBeVisible();
    const labels = await page.locator('.lm-Menu-itemLabel').allInnerTexts();
    expect(labels.indexOf('Show MPI Jobs')).toBeGreaterThan(
      labels.indexOf('Launch Selected Cells as MPIJob')
    );
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
    // 7 workers may be more than this machine's cores: the preflight passes.
    await page.route(/\/mpijob\/api\/preflight(\?.*)?$/, route =>
      route.fulfill({
        json: { backend: 'local', ok: true, checks: [] }
      })
    );
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
    // At Submit, the fields it concerns, in the panel's words.
    const reasons = panel.locator('.mpijob-Launch-reasons');
    await expect(reasons).toContainText(
      'Workers: exceeds the namespace quota of 4 workers'
    );
    await expect(basicField(panel, 'name')).toHaveValue('quota-test');
    await expect(basicField(panel, 'workers')).toHaveValue('7');
    // The panel says it: no error toast stays over it.
    await expect(
      page.locator('.jp-toast-message', { hasText: 'quota-test' })
    ).toHaveCount(0);
    // Editing clears the service's verdict.
    await basicField(panel, 'workers').fill('4');
    await expect(reasons).not.toContainText('exceeds the namespace quota');
  });

  test('offers to make a taken name unique, in the panel’s words', async ({
    page,
    tmpPath
  }) => {
    await page.route(/\/mpijob\/api\/preflight(\?.*)?$/, route =>
      route.fulfill({ json: { backend: 'local', ok: true, checks: [] } })
    );
    await page.route(/\/mpijob\/api\/jobs(\?.*)?$/, route =>
      route.request().method() === 'POST'
        ? route.fulfill({
            status: 409,
            contentType: 'application/problem+json',
            json: {
              type: 'urn:jupyterlab-mpijob:problem:AlreadyExists',
              title: 'AlreadyExists',
              status: 409,
              detail: 'mpijobs.kubeflow.org "taken" already exists'
            }
          })
        : route.continue()
    );
    await openExample(page, tmpPath);
    const panel = await openLaunchPanel(page);
    await basicField(panel, 'name').fill('taken');
    await expect(submitButton(panel)).toBeEnabled({ timeout: 60000 });
    await submitButton(panel).click();
    await expect(panel.locator('.mpijob-Launch-reasons')).toContainText(
      'Job name: is taken by another job: choose another name'
    );
    await expect(panel).not.toContainText('--generate-name');
    // A benchmark names its own jobs: the taken name does not stop it.
    const bench = panel.locator('.mpijob-LaunchBench');
    await bench.getByText('Benchmark this notebook at 1..N workers').click();
    await bench.getByLabel('Up to workers').fill('2');
    await expect(
      bench.getByRole('button', { name: 'Benchmark at 1, 2 workers' })
    ).toBeEnabled();
    await expect(bench.locator('.mpijob-LaunchBench-reason')).toHaveCount(0);
    await panel.getByRole('button', { name: 'Make the name unique' }).click();
    await expect(basicField(panel, 'name')).toHaveValue('taken-2');
    await expect(
      panel.getByRole('button', { name: 'Make the name unique' })
    ).toHaveCount(0);
  });

  test('registers one settings schema per plugin (no ghost entries)', async ({
    page
  }) => {
    const response = await page.request.get('/lab/api/settings');
    expect(response.ok()).toBe(true);
    const body = (await response.json()) as { settings: { id: string }[] };
    const ours = body.settings
      .map(s => s.id)
      .filter(id => id.startsWith('jupyterlab-mpijob'));
    // One per plugin that has settings or menu entries.
    expect(ours.sort()).toEqual([
      'jupyterlab-mpijob:charts',
      'jupyterlab-mpijob:jobs-sidebar',
      'jupyterlab-mpijob:plugin'
    ]);
  });
});

test.describe('Launch panel, first run', () => {
  test('keeps what is typed in number fields and says what is wrong', async ({
    page,
    tmpPath
  }) => {
    await openExample(page, tmpPath);
    const panel = await openLaunchPanel(page);
    await expect(submitButton(panel)).toBeEnabled({ timeout: 60000 });
    const workers = basicField(panel, 'workers');
    const reasons = panel.locator('.mpijob-Launch-reasons');

    await retype(workers, '');
    await expect(workers).toHaveValue('');
    await expect
      .poll(() => errorsOf(workers))
      .toEqual(['must not be empty: enter a whole number']);
    await expect(workers).toHaveAttribute('aria-invalid', 'true');
    await expect(submitButton(panel)).toBeDisabled();
    await expect(reasons).toContainText(
      'Workers: must not be empty: enter a whole number'
    );

    await workers.pressSequentially('-');
    await expect(workers).toHaveValue('-');
    await expect
      .poll(() => errorsOf(workers))
      .toEqual(['must be a whole number, not "-"']);
    await workers.pressSequentially('1');
    await expect(workers).toHaveValue('-1');
    await expect.poll(() => errorsOf(workers)).toEqual(['must be at least 1']);

    await retype(workers, '1');
    await expect(workers).toHaveValue('1');
    await expect.poll(() => errorsOf(workers)).toEqual([]);
    await expect(workers).not.toHaveAttribute('aria-invalid', 'true');
    await expect(panel.locator('.mpijob-Yaml-summary')).toContainText(
      'by 1 MPI rank on 1 worker'
    );
    await expect(submitButton(panel)).toBeEnabled({ timeout: 60000 });

    // GPUs default to 0: clearing and typing 1 gives 1, not 01.
    const kubernetes = await unfold(panel, 'kubernetes');
    const gpus = kubernetes.locator('[id$="_gpusPerWorker"]');
    await expect(gpus).toHaveValue('0');
    await retype(gpus, '');
    await expect(gpus).toHaveValue('');
    await gpus.pressSequentially('1');
    await expect(gpus).toHaveValue('1');
    await expect(panel.locator('.mpijob-Yaml-text')).toContainText(
      'nvidia.com/gpu: "1"'
    );
  });

  test('shows a disabled Submit as disabled', async ({ page, tmpPath }) => {
    await openExample(page, tmpPath);
    const panel = await openLaunchPanel(page);
    const submit = submitButton(panel);
    await expect(submit).toBeEnabled({ timeout: 60000 });
    const look = () =>
      submit.evaluate(button => {
        const style = getComputedStyle(button);
        return { opacity: style.opacity, cursor: style.cursor };
      });
    expect(await look()).toEqual({
      opacity: '1',
      cursor: expect.not.stringMatching('not-allowed')
    });
    await basicField(panel, 'name').fill('');
    await expect(submit).toBeDisabled();
    // JupyterLab's disabled dialog button: faded, and says it cannot be used.
    expect(await look()).toEqual({ opacity: '0.6', cursor: 'not-allowed' });
    await expect(basicField(panel, 'name')).toHaveAttribute(
      'aria-invalid',
      'true'
    );
  });

  test('checks the launch as it is edited: more ranks than cores', async ({
    page,
    tmpPath
  }) => {
    const cores = await localCores(page);
    expect(cores).toBeGreaterThan(0);
    await openExample(page, tmpPath);
    const panel = await openLaunchPanel(page);
    await expect(submitButton(panel)).toBeEnabled({ timeout: 60000 });
    const check = panel.locator('.mpijob-Preflight-check', {
      has: page.locator('.mpijob-Preflight-name', { hasText: /^cores$/ })
    });

    await retype(basicField(panel, 'workers'), String(cores + 1));
    await expect(check).toHaveClass(/mpijob-mod-error/, { timeout: 60000 });
    await expect(check).toContainText(
      `${cores + 1} ranks (Workers × Slots per worker) but this machine has ${cores} core`
    );
    await expect(check).toContainText('Turn on "Allow more ranks than cores"');
    await expect(panel).not.toContainText('--oversubscribe');
    await expect(submitButton(panel)).toBeDisabled();
    await expect(panel.locator('.mpijob-Launch-reasons')).toContainText(
      'Preflight failed'
    );
    await expect(panel.locator('.mpijob-Launch-reasons')).toContainText(
      'Allow more ranks than cores'
    );

    const advanced = await unfold(panel, 'advanced');
    await advanced
      .getByRole('checkbox', { name: 'Allow more ranks than cores' })
      .check();
    await expect(check).toHaveClass(/mpijob-mod-warning/, { timeout: 60000 });
    await expect(check).toContainText('"Allow more ranks than cores" is on');
    await expect(submitButton(panel)).toBeEnabled();
  });

  test('checks the notebook’s code as it is edited: syntax and imports', async ({
    page,
    tmpPath
  }) => {
    // A module beside the notebook imports (ranks start in its folder); one
    // that is nowhere does not; nor does Python 2 syntax compile.
    await page.contents.uploadContent(
      'VALUE = 1\n',
      'text',
      `${tmpPath}/beside_it.py`
    );
    await page.notebook.createNew('code.ipynb');
    await page.notebook.setCell(0, 'code', 'import beside_it');
    await page.notebook.addCell('code', 'import no_such_module_here');
    await page.notebook.addCell('code', 'print "hello"');
    const panel = await openLaunchPanel(page);
    const check = (name: string): Locator =>
      panel.locator('.mpijob-Preflight-check', {
        has: page.locator('.mpijob-Preflight-name', {
          hasText: new RegExp(`^${name}$`)
        })
      });
    await expect(check('program')).toHaveClass(/mpijob-mod-error/, {
      timeout: 60000
    });
    await expect(check('program')).toContainText('cell 3, line 1');
    // Code that does not compile has no imports checked yet.
    await expect(check('imports')).toHaveCount(0);
    await expect(submitButton(panel)).toBeDisabled();

    // Fixed in the notebook, the checks follow it.
    // By the tab's exact title: "Launch code.ipynb" has it too.
    const notebookTab = page.locator('.lm-TabBar-tab', {
      has: page.locator('.lm-TabBar-tabLabel', { hasText: /^code\.ipynb$/ })
    });
    await notebookTab.click();
    await page.notebook.setCell(2, 'code', 'print("hello")');
    const launchTab = page.locator('.lm-TabBar-tab', {
      hasText: 'Launch code'
    });
    await launchTab.click();
    await expect(check('imports')).toHaveClass(/mpijob-mod-error/, {
      timeout: 60000
    });
    await expect(check('program')).toHaveClass(/mpijob-mod-ok/);
    await expect(check('imports')).toContainText('no_such_module_here');
    await expect(check('imports')).not.toContainText('beside_it');
    await expect(submitButton(panel)).toBeDisabled();
    await notebookTab.click();
    await page.notebook.setCell(1, 'code', 'import os');
    await launchTab.click();
    await expect(check('imports')).toHaveClass(/mpijob-mod-ok/, {
      timeout: 60000
    });
    await expect(submitButton(panel)).toBeEnabled();
  });

  test('unfolds Advanced and Kubernetes only on an untouched form without errors', async ({
    page,
    tmpPath
  }) => {
    await openExample(page, tmpPath);
    const panel = await openLaunchPanel(page);
    await expect(submitButton(panel)).toBeEnabled({ timeout: 60000 });
    for (const part of ['advanced', 'kubernetes']) {
      const section = await unfold(panel, part);
      await expect(
        section.locator('.jp-FormGroup-content').first()
      ).toBeVisible();
      await expect(section.locator('.validationErrors li')).toHaveCount(0);
      await expect(section.locator(':scope > summary')).not.toContainText(
        'with problems'
      );
    }
    await expect(submitButton(panel)).toBeEnabled();
  });

  test('groups the fields the local backend ignores under Kubernetes only', async ({
    page,
    tmpPath
  }) => {
    await openExample(page, tmpPath);
    const panel = await openLaunchPanel(page);
    await expect(
      panel.locator('.mpijob-Preflight-status').first()
    ).toContainText('local backend', { timeout: 60000 });
    const ignored = [
      'image',
      'namespace',
      'gpusPerWorker',
      'cpu',
      'memory',
      'python',
      'scheduling',
      'sshAuthMountPath'
    ];
    await unfold(panel, 'advanced');
    const kubernetes = await unfold(panel, 'kubernetes');
    await expect(kubernetes.locator('.mpijob-LaunchForms-note')).toHaveText(
      /^Jobs on the local backend run with mpirun on this machine and ignore these settings/
    );
    for (const key of ignored) {
      await expect(panel.locator(`[id$="-kubernetes_${key}"]`)).toHaveCount(1);
      await expect(
        panel.locator(`[id$="-basic_${key}"], [id$="-advanced_${key}"]`)
      ).toHaveCount(0);
    }
    // Help texts and labels in the user's words, with every cell mode shown.
    await panel
      .locator('[id$="-basic_source_cells"]')
      .selectOption({ label: 'selected' });
    await expect(
      panel.locator('[id$="-basic_source_cellNumbers__title"]')
    ).toHaveText('Cell numbers');
    await expect(panel).not.toContainText(/upToCell|cellNumbers|workerCommand/);
    await expect(
      kubernetes.getByRole('textbox', { name: 'Worker command 1' })
    ).toHaveValue('/usr/sbin/sshd');
  });

  test('keeps every field in place on the Kubernetes backend', async ({
    page,
    tmpPath
  }) => {
    await page.route(/\/mpijob\/api\/preflight(\?.*)?$/, route =>
      route.fulfill({
        json: {
          backend: 'kubernetes',
          ok: true,
          checks: [
            { name: 'api', ok: true, severity: 'error', message: 'Reached.' }
          ]
        }
      })
    );
    await openExample(page, tmpPath);
    const panel = await openLaunchPanel(page);
    await expect(
      panel.locator('.mpijob-Preflight-status').first()
    ).toContainText('kubernetes backend');
    await expect(basicField(panel, 'image')).toBeVisible();
    await expect(basicField(panel, 'gpusPerWorker')).toHaveValue('0');
    await expect(panel.locator('.mpijob-LaunchForms-kubernetes')).toHaveCount(
      0
    );
    // The namespace is a basic field on a cluster: where a job goes is
    // never folded away.
    await expect(basicField(panel, 'namespace')).toHaveValue('default');
  });

  test('shows the user’s cells first in the YAML, the prelude folded, nothing cut', async ({
    page,
    tmpPath
  }) => {
    await openExample(page, tmpPath);
    const panel = await openLaunchPanel(page);
    const yaml = panel.locator('.mpijob-Yaml-text');
    const prelude = yaml.locator('.mpijob-Yaml-prelude');
    await expect(prelude.locator('summary')).toHaveText(
      /^\d+ generated lines before your cells$/
    );
    await expect(prelude).not.toHaveAttribute('open');
    await expect(yaml.getByText('_mpijob_excepthook').first()).toBeHidden();
    // Right after the fold: the first cell.
    await expect(
      prelude.locator('xpath=following-sibling::pre[1]/span[1]')
    ).toHaveText(/^\s*# %% \[cell 2\]$/);
    // Long lines wrap inside the box instead of running past its edge.
    const overflow = await yaml.evaluate(
      box => box.scrollWidth - box.clientWidth
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await prelude.locator('summary').click();
    await expect(yaml.getByText('_mpijob_excepthook').first()).toBeVisible();
  });
});
