/**
 * The UI at the product's scale: the jobs sidebar with 50 jobs of 100
 * workers each and the job view of one of them stay responsive while their
 * changes stream in (issue: 50 concurrent MPIJobs × 100 workers). The
 * service's side of that scale is measured by the scale benchmark
 * (benchmarks/scenarios/scale-kwok.yaml); here a stream server in the test
 * sends the changes as the service would, at a set rate, so the frontend
 * alone is measured. Prints MPIJOB-PERF; asserts what the user must see.
 */
import { expect, test } from '@jupyterlab/galata';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';

import type { IJobEvent, IJobRecord } from '../../src/core/jobRecord';
import { openJobsSidebar, SCREENSHOTS, timeUntilShown } from './helpers';
import { NAMESPACE, record } from './records';

test.use({ viewport: { width: 1280, height: 860 } });

const JOBS = 50;
const WORKERS = 100;
// Changes per second while streaming, and for how long: each job gets a
// worker Ready about every 0.4 s, a hundred-worker job starting up.
const RATE = 120;
const STREAM_MS = 10_000;
const TICK_MS = 50;

const names = Array.from(
  { length: JOBS },
  (_, i) => `scale-${String(i).padStart(2, '0')}`
);

/** Each job's record after `ready` workers turned Ready. */
function jobAt(name: string, ready: number, version: number): IJobRecord {
  return record(name, WORKERS, {
    pending: WORKERS - ready,
    failed: [],
    version: String(version)
  });
}

/**
 * Streams the changes: `status` events for all jobs (the sidebar's feed)
 * or one job's (its view's), from when each stream connects.
 */
class ChangeServer {
  readonly ready = new Map(names.map(n => [n, 0]));
  private readonly clients = new Set<{
    res: http.ServerResponse;
    job: string | null;
  }>();
  private version = 100;
  private id = 0;
  private timer: NodeJS.Timeout | null = null;
  private started = 0;
  sent = 0;
  /** Connections to the feed of all jobs. */
  feeds = 0;
  readonly server = http.createServer((req, res) => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache'
    });
    res.write(': connected\n\n');
    const job = /\/jobs\/[^/]+\/([^/]+)\/stream/.exec(req.url ?? '')?.[1];
    const client = { res, job: job ?? null };
    if (job) {
      const event: IJobEvent = {
        type: 'ADDED',
        job: jobAt(job, this.ready.get(job) ?? 0, this.version)
      };
      res.write(`event: status\ndata: ${JSON.stringify(event)}\n\n`);
    }
    this.clients.add(client);
    if (!job) {
      this.feeds++;
    }
    req.on('close', () => this.clients.delete(client));
  });

  async listen(): Promise<number> {
    await new Promise<void>(resolve =>
      this.server.listen(0, '127.0.0.1', resolve)
    );
    return (this.server.address() as AddressInfo).port;
  }

  /** Starts the changes; resolves when the last one was sent. */
  stream(): Promise<void> {
    this.started = Date.now();
    return new Promise(resolve => {
      let next = 0;
      this.timer = setInterval(() => {
        const due = Math.min(
          Math.floor(((Date.now() - this.started) * RATE) / 1000),
          Math.floor((STREAM_MS * RATE) / 1000)
        );
        for (; this.sent < due; this.sent++) {
          const name = names[next++ % JOBS];
          const ready = Math.min(WORKERS, (this.ready.get(name) ?? 0) + 1);
          this.ready.set(name, ready);
          this.send(name, jobAt(name, ready, ++this.version));
        }
        if (Date.now() - this.started >= STREAM_MS) {
          clearInterval(this.timer!);
          this.timer = null;
          resolve();
        }
      }, TICK_MS);
    });
  }

  private send(name: string, job: IJobRecord): void {
    const data = JSON.stringify({ type: 'MODIFIED', job } satisfies IJobEvent);
    const id = ++this.id;
    for (const client of this.clients) {
      if (client.job === null) {
        client.res.write(`id: ${id}\nevent: status\ndata: ${data}\n\n`);
      } else if (client.job === name) {
        client.res.write(`event: status\ndata: ${data}\n\n`);
      }
    }
  }

  close(): void {
    if (this.timer) {
      clearInterval(this.timer);
    }
    for (const client of this.clients) {
      client.res.end();
    }
    this.server.close();
  }
}

test('keeps the sidebar of 50 jobs × 100 workers and a 101-pod job view responsive while changes stream (measured)', async ({
  page
}) => {
  test.setTimeout(180_000);
  const changes = new ChangeServer();
  const port = await changes.listen();
  try {
    await page.route(/\/mpijob\/api\/jobs(\?.*)?$/, route =>
      route.request().method() === 'GET'
        ? route.fulfill({
            json: { items: names.map(n => jobAt(n, 0, 1)) }
          })
        : route.continue()
    );
    await page.route(/\/mpijob\/api\/jobs\/default\/scale-\d+$/, route =>
      route.fulfill({
        json: jobAt(
          route.request().url().split('/').pop()!,
          changes.ready.get(route.request().url().split('/').pop()!) ?? 0,
          1
        )
      })
    );
    // The streams go to the change server, as they arrive.
    await page.route(
      /\/mpijob\/api\/(events|jobs\/[^/]+\/[^/]+\/stream)/,
      route =>
        route.continue({
          url: `http://127.0.0.1:${port}${new URL(route.request().url()).pathname}`
        })
    );

    // The sidebar's change feed opened with the page: open it again,
    // through the routes.
    await page.reload();
    await expect.poll(() => changes.feeds).toBeGreaterThan(0);
    const sidebar = await openJobsSidebar(page);
    const listMs = await timeUntilShown(
      page,
      'mpijob:refresh-jobs',
      {},
      '#mpijob-jobs-sidebar .mpijob-JobCard',
      JOBS
    );
    await expect(sidebar.locator('.mpijob-JobCard')).toHaveCount(JOBS);

    const viewed = names[7];
    const topologyMs = await timeUntilShown(
      page,
      'mpijob:open-job',
      { namespace: NAMESPACE, name: viewed },
      `#mpijob-job-${NAMESPACE}-${viewed} .mpijob-Topology-cell`,
      WORKERS + 1
    );
    const view = page.locator(`#mpijob-job-${NAMESPACE}-${viewed}`);

    // Long tasks (main thread busy > 50 ms) while the changes stream.
    await page.evaluate(() => {
      const w = window as unknown as { mpijobLongTasks: number[] };
      w.mpijobLongTasks = [];
      new PerformanceObserver(list => {
        for (const entry of list.getEntries()) {
          w.mpijobLongTasks.push(entry.duration);
        }
      }).observe({ type: 'longtask' });
    });
    // Frames painted while streaming: a responsive page keeps painting.
    const frames = page.evaluate(async (ms: number) => {
      let count = 0;
      const end = performance.now() + ms;
      while (performance.now() < end) {
        await new Promise(requestAnimationFrame);
        count++;
      }
      return count;
    }, STREAM_MS);
    await changes.stream();
    const painted = await frames;

    // What the user must see: every card and the open view at the last state.
    for (const name of [names[0], viewed, names[JOBS - 1]]) {
      await expect(
        sidebar
          .locator('.mpijob-JobCard')
          .filter({ has: page.getByRole('button', { name, exact: true }) })
      ).toContainText(`${changes.ready.get(name)}/${WORKERS} workers`);
    }
    await expect(
      view.locator('.mpijob-Topology-cell.mpijob-mod-running')
    ).toHaveCount(1 + changes.ready.get(viewed)!);
    await page.screenshot({
      path: path.join(SCREENSHOTS, 'scale-50-jobs-streaming.png')
    });

    const longTasks = await page.evaluate(
      () => (window as unknown as { mpijobLongTasks: number[] }).mpijobLongTasks
    );
    const results = {
      jobs: JOBS,
      workers: WORKERS,
      changesPerSecond: RATE,
      changes: changes.sent,
      sidebarListMs: Math.round(listMs),
      topologyMs: Math.round(topologyMs),
      framesPerSecond: Math.round((painted * 1000) / STREAM_MS),
      longTasks: longTasks.length,
      longTaskMs: Math.round(longTasks.reduce((a, b) => a + b, 0)),
      longestTaskMs: Math.round(Math.max(0, ...longTasks))
    };
    console.log(`MPIJOB-PERF ${JSON.stringify(results)}`);
  } finally {
    changes.close();
  }
});
