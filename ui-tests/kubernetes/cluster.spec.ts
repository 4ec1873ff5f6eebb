import { expect, test } from '@jupyterlab/galata';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';
import * as path from 'path';

import {
  basicField,
  openExample,
  openJobsSidebar,
  openLaunchPanel,
  SCREENSHOTS,
  setTheme,
  submitButton,
  waitForSavedLayout
} from '../tests/helpers';
import {
  createNamespace,
  deleteNamespaces,
  kubectl,
  mpiJobManifest
} from './cluster';

/**
 * The UI on the Kubernetes backend, against the real control plane of
 * testenv/ (kube-apiserver, the mpi-operator, KWOK nodes with 8 GPUs each).
 * Each test works in namespaces of its own, made before the page loads (the
 * service offers the namespaces it finds then).
 */
test.use({ viewport: { width: 1280, height: 860 } });

const namespaces: string[] = [];
let launchInto = '';
// Made by testenv/start.sh, as a platform makes a project per team.
const teamA = 'team-a';
const teamB = 'team-b';
/** Job names of this run in team-a and team-b. */
const suffix = Date.now().toString(36).slice(-4);

test.beforeAll(() => {
  launchInto = createNamespace('ui-launch');
  namespaces.push(launchInto);
});

test.afterAll(() => deleteNamespaces(namespaces));

/** Opens a folded part of the launch form. */
async function unfold(panel: Locator, part: string): Promise<Locator> {
  const section = panel.locator(`.mpijob-LaunchForms-${part}`);
  if ((await section.getAttribute('open')) === null) {
    await section.locator(':scope > summary').click();
  }
  return section;
}

/** The error rjsf shows under a field, by its id's end. */
function fieldError(panel: Locator, id: string): Locator {
  return panel.locator(
    `.jp-FormGroup-content:has(> .jp-inputFieldWrapper [id$="${id}"]) > .validationErrors`
  );
}

/**
 * Reloads the page once JupyterLab has saved a layout holding `saved` (an
 * open job view's name), and waits for it (the restored tabs included).
 */
async function reload(
  page: IJupyterLabPageFixture,
  saved: string
): Promise<void> {
  await waitForSavedLayout(page, saved);
  await Promise.all([
    page.waitForEvent('load'),
    page.evaluate(() => {
      window.setTimeout(() => window.location.reload(), 0);
    })
  ]);
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
}

test('refuses what does not fit next to its field before Submit, then runs with GPUs and keeps where the workers ran', async ({
  page,
  tmpPath
}) => {
  await openExample(page, tmpPath);
  const panel = await openLaunchPanel(page);
  await expect(panel.locator('.mpijob-Preflight-status').first()).toContainText(
    'kubernetes backend',
    { timeout: 60000 }
  );
  const name = await basicField(panel, 'name').inputValue();

  // Namespaces are a choice of those the user may create jobs in.
  const namespace = basicField(panel, 'namespace');
  await expect(namespace.locator('option:checked')).toHaveText(
    'default (current)'
  );
  await namespace.selectOption({ label: launchInto });

  // 16 GPUs per worker: no node has them. Said at the field, in the
  // panel's words, before anything is submitted.
  await basicField(panel, 'gpusPerWorker').fill('16');
  await expect(fieldError(panel, '-basic_gpusPerWorker')).toContainText(
    'the largest schedulable node offers 8',
    { timeout: 30000 }
  );
  await expect(fieldError(panel, '-basic_gpusPerWorker')).toContainText(
    'Use at most 8 GPUs per worker'
  );
  await expect(submitButton(panel)).toBeDisabled();
  await expect(panel.locator('.mpijob-Launch-reasons')).toContainText(
    'Preflight: GPUs per worker:'
  );

  // A gang scheduler the cluster does not have: at its field too.
  const advanced = await unfold(panel, 'advanced');
  await advanced
    .locator('[id$="-advanced_scheduling_gang"]')
    .selectOption({ label: 'volcano' });
  await expect(fieldError(panel, '-advanced_scheduling_gang')).toContainText(
    'has no scheduling.volcano.sh API group',
    { timeout: 30000 }
  );
  await expect(fieldError(panel, '-advanced_scheduling_gang')).toContainText(
    'set "Scheduling › Gang scheduler" to none'
  );
  await expect(panel).not.toContainText(/scheduling\.gang|--generate-name/);
  // Folded, the section still says what is set and what is wrong.
  await advanced.locator(':scope > summary').click();
  await expect(advanced.locator(':scope > summary')).toContainText(
    'Advanced (1 with problems)'
  );
  await expect(advanced.locator('.mpijob-LaunchForms-changed')).toHaveText(
    'Not the defaults: Scheduling › Gang scheduler: volcano'
  );
  // The form from its top: namespace and GPUs with their problem in view.
  await page.sidebar.close('left');
  await panel
    .locator('.mpijob-LaunchForms-basic')
    .evaluate(basic => basic.scrollIntoView({ block: 'start' }));
  await page.screenshot({
    path: path.join(SCREENSHOTS, 'launch-panel-cluster-light.png')
  });
  await setTheme(page, 'JupyterLab Dark');
  await page.screenshot({
    path: path.join(SCREENSHOTS, 'launch-panel-cluster-dark.png')
  });
  await setTheme(page, 'JupyterLab Light');
  await page.sidebar.open('left');

  // Fixed: 2 workers of 1 GPU, no gang scheduler.
  await basicField(panel, 'gpusPerWorker').fill('1');
  await unfold(panel, 'advanced');
  await panel
    .locator('[id$="-advanced_scheduling_gang"]')
    .selectOption({ label: 'none' });
  await expect(submitButton(panel)).toBeEnabled({ timeout: 30000 });
  await submitButton(panel).click();

  const view = page.locator(`#mpijob-job-${launchInto}-${name}`);
  await expect(view.locator('.mpijob-JobHeader h2')).toHaveText(name);
  const phase = view.locator('.mpijob-JobHeader .mpijob-Phase');
  await expect(phase).toHaveText('Succeeded', { timeout: 90000 });
  // The launcher ran somewhere; the workers' pods were deleted by the
  // operator's clean-up, and their tiles still say where they ran.
  const workers = view.locator('.mpijob-Topology-cell[data-role="worker"]');
  await expect(workers).toHaveCount(2);
  await expect(
    view.locator(
      '.mpijob-Topology-cell[data-role="worker"][data-phase="Removed"]'
    )
  ).toHaveCount(2, { timeout: 60000 });
  for (const worker of await workers.all()) {
    await expect(worker).toHaveAttribute('data-node', /^gpu-node-\d$/);
    const node = await worker.getAttribute('data-node');
    // The node's name is on screen, on the box around its replicas.
    await expect(
      view.locator(
        `.mpijob-Topology-node[data-node="${node}"] .mpijob-Topology-nodeName`
      )
    ).toContainText(node as string);
  }
  const events = view.locator('.mpijob-JobView-events');
  await expect(
    events.locator('tr[data-reason="Scheduled"]').first()
  ).toBeVisible();
  await expect(events).toContainText(`pod/${name}-worker-0`);
  await page.screenshot({
    path: path.join(SCREENSHOTS, 'job-view-cluster-light.png')
  });

  // After a reload the job view comes back with the same truth.
  const nodes = await workers.evaluateAll(cells =>
    cells.map(c => c.getAttribute('data-node'))
  );
  await reload(page, name);
  await expect(phase).toHaveText('Succeeded', { timeout: 30000 });
  await expect(workers).toHaveCount(2);
  expect(
    await workers.evaluateAll(cells =>
      cells.map(c => c.getAttribute('data-node'))
    )
  ).toEqual(nodes);
  await expect(
    view.locator('.mpijob-Topology-cell[data-phase="Removed"]')
  ).toHaveCount(2);

  // The sidebar shows the namespace the job went to, with it.
  const sidebar = await openJobsSidebar(page);
  const card = sidebar.locator(
    `.mpijob-JobCard[data-job-name="${name}"][data-job-namespace="${launchInto}"]`
  );
  await expect(card).toBeVisible();
  await expect(card.locator('.mpijob-JobCard-namespace')).toHaveText(
    launchInto
  );

  // Delete: the view resolves to Deleted, the card goes.
  await view
    .locator('.mpijob-JobHeader')
    .getByRole('button', { name: 'Delete' })
    .click();
  await page
    .locator('.jp-Dialog')
    .getByRole('button', { name: 'Delete' })
    .click();
  await expect(phase).toHaveText('Deleted', { timeout: 60000 });
  await expect(card).toHaveCount(0);

  // A restored tab of a job that is gone closes quietly.
  await reload(page, name);
  await expect(page.locator('.mpijob-JobsSidebar')).toHaveCount(1);
  await expect(view).toHaveCount(0);
  await expect(page.locator('.mpijob-JobView-loading')).toHaveCount(0);
});

test('shows the jobs of the namespaces chosen, each card with its namespace, and a kubectl-made job coming and going', async ({
  page
}) => {
  const sidebar = await openJobsSidebar(page);
  const picker = sidebar.locator('.mpijob-Namespaces');
  await expect(picker.locator('summary')).toHaveText('Namespaces: default');

  const trainA = `train-${suffix}`;
  const colleagueJob = `colleague-${suffix}`;
  kubectl(['-n', teamA, 'create', '-f', '-'], mpiJobManifest(trainA));
  kubectl(['-n', teamB, 'create', '-f', '-'], mpiJobManifest(colleagueJob));
  const colleague = sidebar.locator(
    `.mpijob-JobCard[data-job-name="${colleagueJob}"][data-job-namespace="${teamB}"]`
  );
  await expect(colleague).toHaveCount(0);

  await picker.locator('summary').click();
  const list = picker.getByRole('list', { name: 'Namespaces shown' });
  await list.getByRole('checkbox', { name: teamA, exact: true }).check();
  await list.getByRole('checkbox', { name: teamB, exact: true }).check();
  await list.getByRole('checkbox', { name: 'default (current)' }).uncheck();
  await expect(picker.locator('summary')).toHaveText(
    `Namespaces: ${teamA}, ${teamB}`
  );

  await expect(colleague).toBeVisible();
  await expect(colleague.locator('.mpijob-JobCard-namespace')).toHaveText(
    teamB
  );
  const mine = sidebar.locator(
    `.mpijob-JobCard[data-job-name="${trainA}"][data-job-namespace="${teamA}"]`
  );
  await expect(mine).toBeVisible();
  await expect(mine.locator('.mpijob-JobCard-namespace')).toHaveText(teamA);
  await expect(colleague).toHaveAttribute('data-phase', /Running|Succeeded/, {
    timeout: 60000
  });
  // The list, open, shows what is chosen beside the jobs.
  await list.evaluate(ul => (ul.scrollTop = 0));
  await page.screenshot({
    path: path.join(SCREENSHOTS, 'jobs-sidebar-namespaces-light.png')
  });
  await setTheme(page, 'JupyterLab Dark');
  await page.screenshot({
    path: path.join(SCREENSHOTS, 'jobs-sidebar-namespaces-dark.png')
  });
  await setTheme(page, 'JupyterLab Light');
  await picker.locator('summary').click();

  // Deleted with kubectl: the card goes by itself.
  kubectl(['-n', teamB, 'delete', 'mpijob', colleagueJob, '--wait=false']);
  await expect(colleague).toHaveCount(0, { timeout: 60000 });
  await expect(mine).toBeVisible();
  kubectl(['-n', teamA, 'delete', 'mpijob', trainA, '--wait=false']);
});
