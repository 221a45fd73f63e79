import type { Browser, BrowserContext, Page } from 'playwright-core';
import { horizontalOverflow, launchChromium, newPhone, PHONE, screenshot, signInWithForm, watch } from './browser';
import { LIVE_TOKEN, startLiveSidecar, type LiveSidecar } from './live-sidecar';

const FAN_OUT = "return await parallel(Array.from({length:200}, (_, i) => () => agent('item ' + i)))";
const SMALL =
  "phase('work');\nconst r = await parallel([1, 2, 3].map(i => () => agent('task ' + i, { label: 'task ' + i })));\nreturn { answers: r.length };";

/**
 * The acceptance: the real engine, sandbox, store and offline model in-process, the live
 * page wired as serve.ts wires it, driven in headless Chromium at a phone's size.
 */
describe('live page on the real sidecar (phone, 390 × 844)', () => {
  let browser: Browser;
  let sidecar: LiveSidecar;
  let phone: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    browser = await launchChromium();
    sidecar = await startLiveSidecar({ DW_OFFLINE_LATENCY_MS: '30' });
    phone = await browser.newContext({ viewport: PHONE });
    // Signed in the way a person does: the form, then the cookie it sets.
    const p = await phone.newPage();
    await signInWithForm(p, sidecar.url, LIVE_TOKEN);
    await p.close();
  });
  afterAll(async () => {
    await browser?.close();
    await sidecar?.close();
  });
  beforeEach(async () => {
    ({ page, errors } = await watch(await phone.newPage()));
    await sidecar.setModelLatency(30);
  });
  afterEach(async () => page.close());

  const badge = (status: string) => page.locator('.run-sub .badge', { hasText: status });

  test('(a) a 200-agent run is watched live until 200 done and converged', async () => {
    const run = await sidecar.start({ task: 'Fan out 200 items', script: FAN_OUT });
    await page.goto(`${sidecar.url}/#/runs/${run.id}`);
    await page.locator('.stat-done .stat-value').waitFor();
    await page.waitForFunction(() => document.querySelector('.stat-done .stat-value')?.textContent === '200 / 200', undefined, {
      timeout: 30_000,
    });
    await badge('Converged').waitFor({ timeout: 30_000 });
    const record = await sidecar.get(run.id);
    expect(record.status).toBe('converged');
    expect(record.counts).toMatchObject({ done: 200, failed: 0, total: 200 });
    expect(await page.locator('.stat-failed .stat-value').textContent()).toBe('0');
    expect(await page.locator('.phase .phase-counts').first().textContent()).toBe('200/200 done');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'acceptance-a-200-converged');
    await page.locator('.tab-agents').click();
    await page.waitForFunction(() => document.querySelector('.pager .range')?.textContent === '1–50 of 200');
    await screenshot(page, 'acceptance-a-agents');
    expect(errors).toEqual([]);
  });

  test('(b) a plan awaiting approval is approved from the page and converges; another is denied and ends cancelled', async () => {
    const approved = await sidecar.start({ task: 'Three small tasks', script: SMALL, options: { approvePlan: true } });
    const denied = await sidecar.start({ task: 'Three tasks nobody wants', script: SMALL, options: { approvePlan: true } });
    await sidecar.waitForStatus(approved.id, ['awaiting_approval']);
    await sidecar.waitForStatus(denied.id, ['awaiting_approval']);

    await page.goto(`${sidecar.url}/#/runs/${approved.id}`);
    await page.locator('.card-approval .code .line').first().waitFor();
    expect(await page.locator('.card-approval .code .line').count()).toBe(SMALL.split('\n').length);
    expect(await page.locator('.est-agents').textContent()).toMatch(/^(≈ \d+|unknown)$/);
    await screenshot(page, 'acceptance-b-approval');
    await page.locator('.btn-approve').click();
    await badge('Converged').waitFor({ timeout: 30_000 });
    expect(await sidecar.get(approved.id)).toMatchObject({ status: 'converged', approval: { approved: true }, result: { answers: 3 } });

    const beforeDeny = await sidecar.modelRequests();
    await page.goto(`${sidecar.url}/#/runs/${denied.id}`);
    await page.locator('.btn-deny').click();
    await page.locator('.btn-deny').click();
    await badge('Cancelled').waitFor({ timeout: 30_000 });
    expect(await sidecar.get(denied.id)).toMatchObject({ status: 'cancelled', error: { code: 'plan_denied' } });
    await page.locator('.card-error', { hasText: 'plan_denied' }).waitFor();
    // The denied plan never reached the model.
    expect(await sidecar.modelRequests()).toBe(beforeDeny);
    expect(errors).toEqual([]);
  });

  test('(c) a running run stopped from the page ends cancelled, and the model sees no agent call after', async () => {
    // Eight quick agents, then 192 that the model holds for ten minutes: the run cannot end
    // by itself before the stop lands, however slow the machine.
    const script =
      "await parallel(Array.from({length:8}, (_, i) => () => agent('stop-test item ' + i)));\n" +
      "await parallel(Array.from({length:192}, (_, i) => () => agent('[offline:sleep=600000] stop-test held ' + i)));";
    const run = await sidecar.start({ task: 'A long fan-out to stop', script, options: { limits: { maxParallel: 8 } } });
    await page.goto(`${sidecar.url}/#/runs/${run.id}`);
    await page.waitForFunction(
      () => {
        const text = document.querySelector('.stat-done .stat-value')?.textContent ?? '';
        return Number(text.split(' / ')[0]) >= 8;
      },
      undefined,
      { timeout: 30_000 },
    );
    await page.locator('.btn-stop').click();
    await page.locator('.btn-stop.armed').click();
    await badge('Cancelled').waitFor({ timeout: 30_000 });
    const record = await sidecar.get(run.id);
    expect(record.status).toBe('cancelled');
    expect(record.counts.done).toBe(8);
    // The stop returns once the run's execution has ended; the held calls then leave the model.
    const model = sidecar.core.offlineUrl;
    if (model === null) throw new Error('the live sidecar runs without the offline model');
    const modelGet = async <T>(route: string): Promise<T> => (await (await fetch(`${model}${route}`)).json()) as T;
    for (const end = Date.now() + 30_000; (await modelGet<{ inFlight: number }>('/_offline/stats')).inFlight > 0;) {
      if (Date.now() > end) throw new Error('the model still has calls in flight after the stop');
      await new Promise((r) => setTimeout(r, 20));
    }
    const events = (await sidecar.core.engine.events(run.id, 0)).map((e) => e.event);
    const stoppedAt = events.findIndex((e) => e.type === 'run.status' && e.status === 'cancelled');
    expect(stoppedAt).toBeGreaterThan(0);
    expect(events.slice(stoppedAt).filter((e) => e.type === 'agent.started')).toEqual([]);
    // Every call the model saw for this run belongs to an agent started before the stop.
    const { requests } = await modelGet<{ requests: { key: string | null }[] }>('/_offline/observations');
    const calls = requests.filter((r) => r.key?.includes('stop-test')).length;
    expect(calls).toBe(events.filter((e) => e.type === 'agent.started').length);
    expect(calls).toBeLessThan(200);
    await screenshot(page, 'acceptance-c-stopped');
    expect(errors).toEqual([]);
  });

  test('(d) without signing in, the page is only the sign-in form and the API calls it makes are refused', async () => {
    const run = await sidecar.start({ task: 'Nobody may see this task', script: SMALL });
    await sidecar.waitForStatus(run.id, ['converged']);
    const stranger = await newPhone(browser);
    try {
      const p = stranger.page;
      const res = await p.goto(`${sidecar.url}/#/runs/${run.id}`);
      expect(res?.status()).toBe(200);
      expect(await p.locator('input[name="token"]').count()).toBe(1);
      const html = await p.content();
      expect(html).not.toContain(run.id);
      expect(html).not.toContain('Nobody may see');
      expect(await p.locator('.run-view, .runs-view').count()).toBe(0);
      const statuses = await p.evaluate(async (id) => {
        const get = async (url: string) => (await fetch(url)).status;
        const post = async (url: string) =>
          (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status;
        const stream = await new Promise<string>((resolve) => {
          const es = new EventSource('/v1/runs/' + id + '/events');
          es.onopen = () => {
            es.close();
            resolve('open');
          };
          es.onerror = () => {
            resolve(es.readyState === EventSource.CLOSED ? 'refused' : 'retrying');
            es.close();
          };
        });
        return {
          script: await get('/ui/app.js'),
          runs: await get('/v1/runs'),
          run: await get('/v1/runs/' + id),
          agents: await get('/v1/runs/' + id + '/agents'),
          rerun: await post('/v1/runs/' + id + '/rerun'),
          stream,
        };
      }, run.id);
      expect(statuses).toEqual({ script: 401, runs: 401, run: 401, agents: 401, rerun: 401, stream: 'refused' });
      expect((await sidecar.core.engine.list({})).runs.filter((r) => r.parentId === run.id)).toEqual([]);
    } finally {
      await stranger.context.close();
    }
  });
});
