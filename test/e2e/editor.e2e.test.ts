import type { Browser, Page } from 'playwright-core';
import { generateToken } from '../../scripts/lib';
import { launchChromium } from '../support/browser';
import { readExample, startN8n, type N8nInstance, type WorkflowJson } from '../support/n8n';
import { artifactPath, removeTempDirs, resetArtifacts } from '../support/temp';
import { waitFor } from '../support/wait';
import { DYNAMIC_WORKFLOW_TYPE, EXAMPLE_WEBHOOK } from '../support/workflows';
import { describeE2e } from '../support/e2e';

// The editor only reads workflows and node types here, so no sidecar runs: the credential
// points at a closed port.
const example = readExample(EXAMPLE_WEBHOOK);

/** A copy of example (a) with one node of an uninstalled type and one node without its credential. */
function brokenCopy(): WorkflowJson {
  const wf = JSON.parse(JSON.stringify(example)) as WorkflowJson;
  wf.id = 'dwE2eBrokenCopy1';
  wf.name = 'e2e: broken copy';
  const start = wf.nodes.find((n) => n.type === DYNAMIC_WORKFLOW_TYPE);
  if (start) delete start.credentials;
  const respond = wf.nodes.find((n) => n.type === 'n8n-nodes-base.respondToWebhook');
  if (respond) respond.type = 'n8n-nodes-not-installed.nothing';
  return wf;
}

describeE2e('the n8n editor with the node package installed', () => {
  let n8n: N8nInstance;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    resetArtifacts('editor');
    // Assigned as each one is up, so afterAll stops what started even when the other failed.
    await Promise.all([
      startN8n({
        label: 'editor',
        workflows: [example, brokenCopy()],
        activate: false,
        credentials: { dynamicWorkflowsApi: { baseUrl: 'http://127.0.0.1:9', token: generateToken() } },
      }).then((started) => (n8n = started)),
      launchChromium().then((launched) => (browser = launched)),
    ]);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(60_000);
    await page.goto(`${n8n.url}/signin`);
    await page.fill('input[name=emailOrLdapLoginId]', n8n.owner.email);
    await page.fill('input[name=password]', n8n.owner.password);
    await page.click('[data-test-id=form-submit-button]');
    await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
  }, 420_000);

  afterAll(async () => {
    await browser?.close();
    await n8n?.stop();
    removeTempDirs();
  }, 120_000);

  const countOf = (testId: string): Promise<number> => page.locator(`[data-test-id=${testId}]`).count();

  /** Closes the node panel if it is open (Escape clears its search first, then closes it); false when it stays open. */
  async function closeNodeCreator(): Promise<boolean> {
    for (let i = 0; i < 3 && (await countOf('node-creator')) > 0; i++) {
      await page.keyboard.press('Escape');
      await page.waitForTimeout(300);
    }
    return (await countOf('node-creator')) === 0;
  }

  /** Opens a workflow in the editor (a page load takes seconds here: an open one is kept). */
  async function openWorkflow(id: string, nodeCount: number): Promise<void> {
    if (new URL(page.url()).pathname === `/workflow/${id}` && (await closeNodeCreator())) return;
    await page.goto(`${n8n.url}/workflow/${id}`);
    await waitFor(async () => ((await countOf('canvas-node')) === nodeCount ? true : undefined), {
      what: `${nodeCount} nodes on the canvas of workflow ${id}`,
      timeoutMs: 60_000,
    });
    // Node issues are computed after the nodes are drawn.
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(1_500);
  }

  test('the checks below do flag a node of an uninstalled type and a node without its credential', async () => {
    await openWorkflow('dwE2eBrokenCopy1', example.nodes.length);

    await page.waitForSelector('[data-test-id=node-not-installed]');
    await page.waitForSelector('[data-test-id=node-issues]');
  }, 120_000);

  test('example (a) opens with every node known and every credential set', async () => {
    await openWorkflow(example.id ?? '', example.nodes.length);

    const drawn = await page.$$eval('[data-test-id=canvas-node]', (els) =>
      els.map((e) => [e.getAttribute('data-node-name'), e.getAttribute('data-node-type')]).sort(),
    );
    expect(drawn).toEqual(example.nodes.map((n) => [n.name, n.type]).sort());
    expect(await countOf('node-not-installed')).toBe(0);
    expect(await countOf('node-issues')).toBe(0);
    await page.screenshot({ path: artifactPath('editor', 'example-webhook.png') });
  }, 120_000);

  test.each(['Dynamic Workflow', 'Wait for Convergence'])(
    'the node panel finds "%s" by name',
    async (name) => {
      await openWorkflow(example.id ?? '', example.nodes.length);
      await page.click('[data-test-id=node-creator-plus-button]');
      await page.fill('[data-test-id=node-creator-search-bar]', name);

      const item = page.locator('[data-test-id=node-creator] [data-test-id=node-creator-item-name]', { hasText: name }).first();
      await item.waitFor({ timeout: 15_000 }).catch(async (err: unknown) => {
        await page.screenshot({ path: artifactPath('editor', `node-panel-${name.replace(/\W+/g, '-')}-missing.png`) });
        throw err;
      });
      expect((await item.innerText()).trim()).toBe(name);
      await page.screenshot({ path: artifactPath('editor', `node-panel-${name.replace(/\W+/g, '-')}.png`) });
    },
    120_000,
  );
});
