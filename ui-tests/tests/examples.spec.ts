/**
 * The example notebooks open as JupyterLab saved them: no upgrade, no
 * metadata rewrite, so opening one does not mark it modified and autosave
 * leaves the tracked file alone.
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');

for (const name of fs.readdirSync(EXAMPLES).filter(f => f.endsWith('.ipynb'))) {
  test(`opening examples/${name} leaves it unmodified`, async ({
    page,
    tmpPath
  }) => {
    const target = `${tmpPath}/${name}`;
    await page.contents.uploadFile(path.join(EXAMPLES, name), target);
    await page.notebook.openByPath(target);
    await page.notebook.activate(name);
    // Once the kernel has answered, JupyterLab has written its language
    // and kernel names into the model: a notebook saved elsewhere turns
    // dirty here.
    const dirty = await page.evaluate(async () => {
      interface IPanel {
        sessionContext: {
          ready: Promise<void>;
          session?: { kernel?: { info: Promise<unknown> } | null } | null;
        };
        context: { model: { dirty: boolean } };
      }
      const app = (
        window as unknown as {
          jupyterapp: { shell: { currentWidget: IPanel } };
        }
      ).jupyterapp;
      const panel = app.shell.currentWidget;
      await panel.sessionContext.ready;
      await panel.sessionContext.session?.kernel?.info;
      await new Promise(resolve => requestAnimationFrame(resolve));
      return panel.context.model.dirty;
    });
    expect(dirty).toBe(false);
    await expect(page.locator('.lm-TabBar-tab.jp-mod-current')).not.toHaveClass(
      /jp-mod-dirty/
    );
  });
}
