import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitFor } from '../http/harness';
import { DESKTOP, horizontalOverflow, launchChromium, newPhone, PHONE, screenshot, watch } from './browser';
import { SCRIPT, seedBigRun } from './fixtures';
import { makePageHarness, TOKEN, type PageHarness } from './session-harness';

/** The live page in headless Chromium against the fake engine: what a person sees and can do. */
describe('live page in a phone browser', () => {
  let browser: Browser;
  let h: PageHarness;
  let base: string;
  // One signed-in phone context for the file: a new browser context costs seconds on a small machine, a page in it far less.
  let phone: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    browser = await launchChromium();
    h = makePageHarness();
    base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    phone = await browser.newContext({ viewport: PHONE });
    expect(await signInFromPage(phone)).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });
  beforeEach(async () => {
    ({ page, errors } = await watch(await phone.newPage()));
  });
  afterEach(async () => page.close());

  /** Signs the context in with the page's own JSON sign-in call (the form is tested on its own below). */
  async function signInFromPage(context: BrowserContext): Promise<number> {
    const p = await context.newPage();
    await p.goto(`${base}/`);
    const status = await p.evaluate(async (token) => {
      const res = await fetch('/ui/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
      return res.status;
    }, TOKEN);
    await p.close();
    return status;
  }

  /** The shared phone page at a route of the app. */
  async function open(route: string): Promise<void> {
    await page.goto(`${base}/${route}`);
    await page.locator('.top .brand').waitFor();
  }

  test('signing in: the form alone first, a wrong token refused, the right one opens the runs', async () => {
    h.engine.seed({ task: 'Classify the support inbox' });
    const fresh = await newPhone(browser);
    try {
      const { page: p, errors: e } = fresh;
      await p.goto(`${base}/`);
      expect(await p.locator('form input[name="token"]').count()).toBe(1);
      expect(await p.content()).not.toContain('Classify');
      await screenshot(p, 'phone-sign-in');
      await p.getByLabel('Token').fill('not-the-token-at-all');
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByText('not the sidecar').waitFor();
      await p.getByLabel('Token').fill(TOKEN);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByText('Classify the support inbox').waitFor();
      const cookies = await p.context().cookies();
      expect(cookies).toEqual([expect.objectContaining({ name: 'dw_session', httpOnly: true, sameSite: 'Strict' })]);
      expect(await p.evaluate(() => document.cookie)).toBe('');
      expect(e).toEqual([]);
    } finally {
      await fresh.context.close();
    }
  });

  test('runs list: status, phase, counts, tokens, cost; filter by status; no horizontal scrolling', async () => {
    const { run } = seedBigRun(h.engine, 200);
    h.engine.seed({ task: 'A run that failed', status: 'failed', error: { code: 'budget_usd', message: 'USD budget of $1 exceeded' } });
    h.engine.seed({ task: 'Waiting for a decision', status: 'awaiting_approval', estimate: { agents: 40, usd: 0.8 } });
    h.engine.seed({
      task: 'A very long task description that goes on and on without a single break to see whether the card wraps it properly on a small phone screen_without_spaces_at_all_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      status: 'converged',
    });
    await open('#/runs');
    await page.locator('li.run', { hasText: 'screen_without_spaces' }).waitFor();
    const big = page.locator(`li.run[data-run-id="${run.id}"]`);
    const c = run.counts;
    expect(await big.locator('.run-figures').textContent()).toBe(
      `${c.done}/200 agents · ${c.failed} failed · ${c.active} active · 5.60M tok · $2.13`,
    );
    expect(await big.locator('.badge').textContent()).toBe('Running');
    expect(await big.textContent()).toContain('phase verify');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'phone-runs');

    await page.getByLabel('Filter by status').selectOption('failed');
    await page.waitForFunction(() => !document.querySelector('li.run:not([data-status="failed"])'));
    // An empty list (between the old rows and the filtered ones) also has no other row: wait for the failed run.
    await page.locator('li.run .run-name', { hasText: 'A run that failed' }).waitFor();
    expect(await page.locator('li.run .run-name', { hasText: 'A run that failed' }).count()).toBe(1);
    expect(await page.locator('li.run:not([data-status="failed"])').count()).toBe(0);
    expect(page.url()).toContain('#/runs?status=failed');
    expect(errors).toEqual([]);
  });

  test('run view with 1,000 agents: phases, verification, paginated agent log with filters, live updates', async () => {
    const { run, failed } = seedBigRun(h.engine, 1000);
    await open(`#/runs/${run.id}`);
    // The page draws while it replays the run's events: wait for the last of them (round 2).
    await page.locator('.round').nth(1).waitFor();
    const scan = await page.locator('.phase[data-phase="scan"] .phase-counts').textContent();
    const scanFailed = failed.filter((s) => s < 800).length;
    expect(scan).toBe(`${800 - scanFailed}/800 done · ${scanFailed} failed`);
    expect(await page.locator('.phase[data-phase="verify"] .phase-counts').textContent()).toContain('12 active');
    expect(await page.locator('.round').count()).toBe(2);
    expect(await page.locator('.round').nth(1).textContent()).toContain('agreement 91% · 31 survive');
    expect(await page.locator('.stat-done .stat-value').textContent()).toBe(`${run.counts.done.toLocaleString('en-US')} / 1,000`);
    expect(await page.locator('.stat-cost .stat-value').textContent()).toBe('$2.13');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'phone-run-overview');
    await screenshot(page, 'phone-run-overview-full', true);

    // Live: an event arriving now moves the figures on the page.
    h.engine.emit(run.id, { type: 'budget', usage: run.usage, counts: { ...run.counts, done: run.counts.done + 5, active: 7 } });
    await page.waitForFunction(
      (want) => document.querySelector('.stat-done .stat-value')?.textContent === want,
      `${(run.counts.done + 5).toLocaleString('en-US')} / 1,000`,
    );

    await page.locator('.tab-agents').click();
    await page.locator('li.agent').first().waitFor();
    expect(await page.locator('li.agent').count()).toBe(50);
    expect(await page.locator('.pager .range').textContent()).toBe('1–50 of 1,000');
    await page.locator('.btn-next').click();
    await page.waitForFunction(() => document.querySelector('.pager .range')?.textContent === '51–100 of 1,000');
    expect(await page.locator('li.agent').first().getAttribute('data-seq')).toBe('50');
    await page.getByLabel('Show agents').selectOption('failed');
    await page.waitForFunction((n) => document.querySelector('.pager .range')?.textContent === '1–' + n + ' of ' + n, failed.length);
    expect(await page.locator('li.agent[data-status="failed"]').count()).toBe(failed.length);
    await page.locator('li.agent .agent-head').first().click();
    const details = page.locator('.agent-details').first();
    expect(await details.textContent()).toContain(`The model refused file ${failed[0]}`);
    expect(await details.locator('.btn-restart').isDisabled()).toBe(true);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'phone-run-agents');
    await page.mouse.wheel(0, 1500);
    await page.waitForFunction(() => window.scrollY > 1000);
    await screenshot(page, 'phone-run-agents-scrolled');

    await page.locator('.tab-activity').click();
    await page.locator('.act-error').first().waitFor();
    expect(await page.locator('.act').count()).toBeGreaterThan(failed.length);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'phone-run-activity');
    expect(errors).toEqual([]);
  });

  test('agent text is shown as text, never as markup', async () => {
    const { run } = seedBigRun(h.engine, 3);
    const rec = h.engine.agentLogs.get(run.id)![0]!;
    rec.prompt = '<img src=x onerror="window.__pwned=1">';
    rec.label = '<b>bold</b>';
    await open(`#/runs/${run.id}/agents`);
    await page.locator('li.agent .agent-head').first().click();
    await page.locator('.agent-details').waitFor();
    expect(await page.locator('.agent-details img').count()).toBe(0);
    expect(await page.locator('li.agent .agent-label').first().textContent()).toBe('<b>bold</b>');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  test('script: line numbers and highlighting; edit and rerun opens the new run', async () => {
    const { run } = seedBigRun(h.engine, 3, { status: 'converged' });
    await open(`#/runs/${run.id}/script`);
    await page.locator('.code .line').first().waitFor();
    expect(await page.locator('.code .line').count()).toBe(SCRIPT.split('\n').length);
    expect(await page.locator('.code .line').nth(2).locator('.ln').textContent()).toBe('3');
    expect(await page.locator('.code .tok-com').first().textContent()).toBe('// one agent per file');
    expect(await page.locator('.code .tok-dw', { hasText: 'agent' }).count()).toBeGreaterThan(0);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'phone-run-script');

    await page.locator('.btn-edit-script').click();
    const editor = page.getByLabel('Edit the script');
    await editor.fill(`${SCRIPT}\n// edited on a phone`);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'phone-run-script-edit');
    await page.locator('.btn-rerun-edited').click();
    await page.waitForFunction((id) => /#\/runs\/[^/]+$/.test(location.hash) && !location.hash.includes(id), run.id);
    const rerun = h.engine.calls.find((c) => c.method === 'rerun');
    expect(rerun?.args).toEqual([run.id, { script: `${SCRIPT}\n// edited on a phone` }]);
    const newId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    expect(h.engine.getNow(newId).parentId).toBe(run.id);
    await page.locator(`.run-view[data-run-id="${newId}"] .run-title`).waitFor();
    expect(errors).toEqual([]);
  });

  test('approval: the estimate and the script are shown; approve lets the run go on', async () => {
    const run = h.engine.seed({ task: 'Triage 40 tickets', status: 'awaiting_approval', estimate: { agents: 40, usd: 0.8123 } }, SCRIPT);
    await open(`#/runs/${run.id}`);
    await page.locator('.card-approval .code .line').first().waitFor();
    expect(await page.locator('.est-agents').textContent()).toBe('≈ 40');
    expect(await page.locator('.est-usd').textContent()).toBe('≈ $0.8123');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'phone-approval');
    await page.getByLabel('Comment on the decision').fill('looks right');
    await page.locator('.btn-approve').click();
    await page.locator('.run-sub .badge', { hasText: 'Running' }).waitFor();
    expect(h.engine.calls.filter((c) => c.method === 'approve').map((c) => c.args)).toEqual([
      [run.id, { approved: true, comment: 'looks right' }],
    ]);
    expect(await page.locator('.card-approval').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  test('deny asks twice, then the run ends cancelled', async () => {
    const run = h.engine.seed({ status: 'awaiting_approval', estimate: { agents: null, usd: null } }, SCRIPT);
    await open(`#/runs/${run.id}`);
    await page.locator('.btn-deny').click();
    expect(await page.locator('.btn-deny').textContent()).toBe('Tap again to deny');
    const decisions = () => h.engine.calls.filter((c) => c.method === 'approve' && c.args[0] === run.id);
    expect(decisions()).toEqual([]);
    await page.locator('.btn-deny').click();
    await page.locator('.run-sub .badge', { hasText: 'Cancelled' }).waitFor();
    expect(decisions().map((c) => c.args)).toEqual([[run.id, { approved: false }]]);
  });

  test('stop asks twice; pause and resume; restart a failed agent once the run has ended', async () => {
    const { run, failed } = seedBigRun(h.engine, 40);
    await open(`#/runs/${run.id}`);
    await page.locator('.btn-pause').click();
    await page.locator('.paused-note').waitFor();
    expect(h.engine.getNow(run.id).paused).toBe(true);
    await page.locator('.btn-resume').click();
    await page.locator('.btn-pause').waitFor();
    expect(h.engine.getNow(run.id).paused).toBe(false);

    await page.locator('.btn-stop').click();
    await page.locator('.btn-stop.armed').waitFor();
    await page.locator('.btn-stop').click();
    await page.locator('.run-sub .badge', { hasText: 'Cancelled' }).waitFor();
    expect(h.engine.calls.find((c) => c.method === 'cancel')?.args).toEqual([run.id, 'Stopped from the live page']);
    await page.locator('.card-error', { hasText: 'Stopped from the live page' }).waitFor();

    await page.locator('.tab-agents').click();
    await page.getByLabel('Show agents').selectOption('failed');
    await page.locator(`li.agent[data-seq="${failed[0]}"] .agent-head`).click();
    await page.locator('.btn-restart:not([disabled])').click();
    await waitFor(() => h.engine.calls.some((c) => c.method === 'restartAgent'));
    expect(h.engine.calls.find((c) => c.method === 'restartAgent')?.args).toEqual([run.id, failed[0]]);
  });

  test('a session that ends while the page is open says so instead of failing silently', async () => {
    const { run } = seedBigRun(h.engine, 5);
    await open(`#/runs/${run.id}`);
    await page.locator('.btn-pause').waitFor();
    const cookie = (await phone.cookies()).find((c) => c.name === 'dw_session');
    h.page.sessions.delete(cookie!.value);
    try {
      await page.locator('.btn-pause').click();
      await page.locator('#signed-out', { hasText: 'Your session has ended' }).waitFor();
      expect(h.engine.getNow(run.id).paused).toBe(false);
    } finally {
      expect(await signInFromPage(phone)).toBe(200);
    }
  });

  test('desktop: overview on the left, agents on the right', async () => {
    const { run } = seedBigRun(h.engine, 300);
    await page.setViewportSize(DESKTOP);
    await open(`#/runs/${run.id}`);
    await page.locator('li.agent').first().waitFor();
    const left = await page.locator('.pane-overview').boundingBox();
    const right = await page.locator('.pane-agents').boundingBox();
    expect(left && right).toBeTruthy();
    expect(right!.x).toBeGreaterThan(left!.x + left!.width - 1);
    expect(Math.abs(right!.y - left!.y)).toBeLessThan(5);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await screenshot(page, 'desktop-run');
    await open('#/runs');
    await page.locator('li.run').first().waitFor();
    await screenshot(page, 'desktop-runs');
    expect(errors).toEqual([]);
  });
});
