import { expect, test } from '@jupyterlab/galata';

import type { IJobRecord } from '../../src/core/jobRecord';
import { openJobsSidebar, waitForSavedLayout } from './helpers';

/** A small finished job, as the service would describe it. */
const JOB: IJobRecord = {
  name: 'restored-job',
  namespace: 'default',
  uid: 'uid-restored-job',
  backend: 'local',
  createdAt: '2026-01-01T10:00:00.000Z',
  startedAt: '2026-01-01T10:00:01.000Z',
  finishedAt: '2026-01-01T10:00:05.000Z',
  spec: null,
  workers: 1,
  slotsPerWorker: 1,
  gpusPerWorker: 0,
  mpiImplementation: 'OpenMPI',
  notebook: null,
  status: {
    phase: 'Succeeded',
    startTime: '2026-01-01T10:00:01.000Z',
    completionTime: '2026-01-01T10:00:05.000Z'
  },
  conditions: [],
  topology: {
    launcher: null,
    workers: [
      {
        role: 'worker',
        index: 0,
        podName: null,
        phase: 'Succeeded',
        nodeName: 'vm',
        restarts: 0,
        reason: 'Completed',
        exitCode: 0,
        gpus: 0,
        ready: false
      }
    ]
  },
  exitCode: 0,
  resourceVersion: '3'
};

test('restores the jobs sidebar and open job views after a reload', async ({
  page
}) => {
  await page.route(/\/mpijob\/api\/jobs(\?.*)?$/, route =>
    route.request().method() === 'GET'
      ? route.fulfill({ json: { items: [JOB] } })
      : route.continue()
  );
  // (GETs carry a cache-busting query.)
  await page.route(
    /\/mpijob\/api\/jobs\/default\/restored-job(\?.*)?$/,
    route => route.fulfill({ json: JOB })
  );
  await page.route(
    /\/mpijob\/api\/jobs\/default\/restored-job\/stream/,
    route =>
      route.fulfill({
        status: 200,
        headers: { 'Content-Type': 'text/event-stream' },
        body:
          `event: status\ndata: ${JSON.stringify({ type: 'ADDED', job: JOB })}\n\n` +
          `id: 1\nevent: log\ndata: ${JSON.stringify({ rank: 0, stream: 'stdout', time: JOB.finishedAt, text: 'restored output' })}\n\n` +
          `id: 1\nevent: end\ndata: ${JSON.stringify(JOB)}\n\n`
      })
  );
  const sidebar = await openJobsSidebar(page);
  await page.evaluate(() =>
    window.jupyterapp.commands.execute('mpijob:refresh-jobs')
  );
  const card = sidebar.locator('.mpijob-JobCard[data-job-name="restored-job"]');
  await card.getByRole('button', { name: 'Logs of restored-job' }).click();
  const view = page.locator('#mpijob-job-default-restored-job');
  await expect(view.locator('.mpijob-LogViewer-scroller')).toContainText(
    'restored output'
  );
  await expect(view.locator('.mpijob-LogViewer-scroller')).toBeFocused();

  await waitForSavedLayout(page, 'restored-job');
  // Playwright's own reload: Galata's waits for the Launcher tab, which the
  // restored job view replaces.
  await Promise.all([
    page.waitForEvent('load'),
    page.evaluate(() => {
      window.setTimeout(() => window.location.reload(), 0);
    })
  ]);
  await expect(page.locator('#mpijob-jobs-sidebar')).toBeVisible();
  await expect(view).toBeVisible();
  await expect(view.locator('.mpijob-LogViewer-scroller')).toContainText(
    'restored output'
  );
});
