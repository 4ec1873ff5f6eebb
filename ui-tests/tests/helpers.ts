/**
 * Shared steps of the MPIJob UI tests.
 */
import { expect } from '@jupyterlab/galata';
import type { IJupyterLabPageFixture } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';
import * as path from 'path';

/** The example notebook. */
export const EXAMPLE = path.resolve(
  __dirname,
  '..',
  '..',
  'examples',
  'mpi-pi.ipynb'
);

/** Where reference screenshots go (committed). */
export const SCREENSHOTS = path.resolve(__dirname, '..', 'screenshots');

/** The MPIJob button of the notebook toolbar. */
export const TOOLBAR_BUTTON =
  '.jp-NotebookPanel-toolbar [data-command="mpijob:launch"]';

/**
 * Uploads and opens the example notebook.
 *
 * @returns the notebook path
 */
export async function openExample(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  name = 'mpi-pi.ipynb'
): Promise<string> {
  const target = `${tmpPath}/${name}`;
  await page.contents.uploadFile(EXAMPLE, target);
  await page.notebook.openByPath(target);
  await page.notebook.activate(name);
  return target;
}

/**
 * Clicks the toolbar button and waits for the launch panel.
 *
 * @returns the launch panel
 */
export async function openLaunchPanel(
  page: IJupyterLabPageFixture
): Promise<Locator> {
  await page.locator(TOOLBAR_BUTTON).locator('button').click();
  const panel = page.locator('.mpijob-LaunchPanel:visible');
  await expect(panel).toHaveCount(1);
  return panel;
}

/**
 * A field of the launch panel's basic form by spec key.
 *
 * @returns the input
 */
export function basicField(panel: Locator, key: string): Locator {
  return panel.locator(`[id$="-basic_${key}"]`);
}

/**
 * The launch panel's submit button.
 *
 * @returns the button
 */
export function submitButton(panel: Locator): Locator {
  return panel.locator('.mpijob-Launch-submit');
}

/**
 * Sets the workers field, waits for preflight and submits.
 *
 * @param panel - the launch panel
 * @param workers - worker count
 */
export async function submitWith(
  panel: Locator,
  workers: number
): Promise<void> {
  const input = basicField(panel, 'workers');
  await input.fill(String(workers));
  await expect(submitButton(panel)).toBeEnabled({ timeout: 60000 });
  await submitButton(panel).click();
}

/**
 * Opens the jobs sidebar.
 *
 * @returns the sidebar
 */
export async function openJobsSidebar(
  page: IJupyterLabPageFixture
): Promise<Locator> {
  await page.evaluate(() =>
    window.jupyterapp.commands.execute('mpijob:show-jobs')
  );
  const sidebar = page.locator('#mpijob-jobs-sidebar');
  await expect(sidebar).toBeVisible();
  return sidebar;
}

/**
 * Switches the theme and waits until it applies.
 *
 * @param theme - 'JupyterLab Light' or 'JupyterLab Dark'
 */
export async function setTheme(
  page: IJupyterLabPageFixture,
  theme: string
): Promise<void> {
  await page.evaluate(
    name =>
      window.jupyterapp.commands.execute('apputils:change-theme', {
        theme: name
      }),
    theme
  );
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-name',
    theme
  );
  await waitForStill(page);
}

/**
 * Waits until the page (or a part) looks the same twice in a row: styles
 * applied, charts drawn, nothing moving. What a screenshot needs, instead
 * of a guessed pause.
 *
 * @param target - the page, or a locator of what to watch
 * @param timeout - how long to wait, in milliseconds
 * @throws {Error} when it still changes after `timeout`
 */
export async function waitForStill(
  target: Page | Locator,
  timeout = 10_000
): Promise<void> {
  const deadline = Date.now() + timeout;
  let before = await target.screenshot();
  for (;;) {
    const now = await target.screenshot();
    if (now.equals(before)) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`still changing after ${timeout} ms`);
    }
    before = now;
  }
}

/**
 * Waits until JupyterLab has saved a layout that holds `text` (a restored
 * widget's name): it saves shortly after the layout changes, and a reload
 * before that restores the old one.
 *
 * @param page - the page
 * @param text - e.g. the job name of an open job view
 */
export async function waitForSavedLayout(
  page: IJupyterLabPageFixture,
  text: string
): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(async () => {
          const config = JSON.parse(
            document.getElementById('jupyter-config-data')?.textContent ?? '{}'
          ) as { baseUrl?: string; workspace?: string };
          const response = await fetch(
            `${config.baseUrl ?? '/'}lab/api/workspaces/${config.workspace ?? 'default'}`
          );
          const workspace = (await response.json()) as {
            data?: Record<string, unknown>;
          };
          return JSON.stringify(
            workspace.data?.['layout-restorer:data'] ?? null
          );
        }),
      { timeout: 15_000 }
    )
    .toContain(text);
}

/**
 * Times, in the page, a command until what it shows is painted: from
 * running it until `count` elements match `selector`, plus one frame.
 *
 * @param page - the page
 * @param command - the command's id
 * @param args - its arguments
 * @param selector - what it shows
 * @param count - how many of them
 * @returns milliseconds
 */
export function timeUntilShown(
  page: Page,
  command: string,
  args: Record<string, string | number | boolean>,
  selector: string,
  count: number
): Promise<number> {
  return page.evaluate(
    async ({ command, args, selector, count }) => {
      const t0 = performance.now();
      await window.jupyterapp.commands.execute(command, args);
      await new Promise<void>(resolve => {
        const check = () =>
          document.querySelectorAll(selector).length === count
            ? resolve()
            : requestAnimationFrame(check);
        check();
      });
      await new Promise(requestAnimationFrame);
      return performance.now() - t0;
    },
    { command, args, selector, count }
  );
}

/**
 * Collects what the page logs as console errors from now on.
 *
 * @param page - the page
 * @returns the errors' texts, filled as they come
 */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', message => {
    if (message.type() === 'error') {
      errors.push(message.text());
    }
  });
  return errors;
}
