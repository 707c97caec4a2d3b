import { existsSync, mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../console/build.ts';
import { browserBundlePath, buildSdk } from '../../sdk-web/build.ts';
import { createTestOrg, openTestDatabase, startTestApp, type TestApp, type TestOrg } from '../support/app.ts';
import { queryDuckdb } from '../support/duckdb.ts';
import { chromiumAvailable, launchChromium } from './support/browser.ts';
import { DemoShop } from './support/demo-shop.ts';

/** Screenshots of every page of the console (issue #18), kept as CI artefacts. */
const SHOTS = 'test-artifacts/console';

/**
 * The console in Chromium, on the real server, as a data team uses it: it signs in with a key,
 * creates a DuckDB destination through the form generated from the plugin's JSON Schema, tests
 * it, syncs what the demo shop sent and reads the run; defines a page and sees new events carry
 * it; makes and revokes keys; and an analyst key reads without buttons, a capture key is refused.
 */
describe.skipIf(!chromiumAvailable())('web console in Chromium', () => {
  let store: Awaited<ReturnType<typeof openTestDatabase>>;
  let org: TestOrg;
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(browserBundlePath)) await buildSdk({ declarations: false });
    // always from the sources under test (a bundle left from an earlier build would test that)
    await buildConsole();
    store = await openTestDatabase();
    org = await createTestOrg(store.db, 'console org');
    t = await startTestApp({ db: store.db, appDeps: { demoCaptureKey: org.keys.capture } });
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await store?.drop();
  });

  /** A console tab; fails the test on any script error or CSP violation in it. */
  async function openConsole(
    viewport = { width: 1280, height: 860 },
  ): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) problems.push(message.text());
    });
    await page.goto(`${t.url}/console/`);
    return { context, page, problems };
  }

  async function signIn(page: Page, key: string) {
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

  /** Events of the organization in the store, through the API. */
  const storedEvents = async () =>
    (await t.gql(`{ events(first: 500) { nodes { eventId eventType sourceProperties } } }`, {}, org.keys.analyst)).body.data.events
      .nodes as any[];

  it('is served with a strict policy: no inline script, this origin only, the page never cached', async () => {
    const page = await fetch(`${t.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).not.toMatch(/<script>|<script[^>]*>\s*[^<\s]/);
    const bundle = await fetch(`${t.url}/console/console.js`);
    expect([bundle.status, bundle.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect((await fetch(`${t.url}/console`, { redirect: 'manual' })).headers.get('location')).toBe('/console/');
    expect((await fetch(`${t.url}/console/../package.json`)).status).toBe(404);
  });

  it('lets an admin create, test and sync a DuckDB destination, define a page, and manage keys', { timeout: 180_000 }, async () => {
    const { context, page, problems } = await openConsole();
    await shot(page, '01-sign-in');
    await signIn(page, org.keys.admin);
    await expect.poll(() => page.getByRole('heading', { name: 'Destinations', level: 1 }).isVisible()).toBe(true);
    // the key lives in this tab's session storage, never in the URL
    expect(await page.evaluate(() => sessionStorage.getItem('tributary.console.key'))).toBe(org.keys.admin);
    expect(page.url()).not.toContain(org.keys.admin);
    await shot(page, '02-destinations-empty');

    // --- the form is generated from the plugin's JSON Schema: a secret is a password input
    await page.getByRole('link', { name: 'New destination' }).click();
    await page.getByLabel('Warehouse').selectOption({ label: 'PostgreSQL' });
    await expect.poll(() => page.getByLabel('password (secret)').getAttribute('type')).toBe('password');
    expect(await page.getByLabel('url (secret)').getAttribute('type')).toBe('password');
    expect(await page.getByLabel('port').getAttribute('type')).toBe('number');
    expect(await page.getByLabel('ssl').evaluate((select: HTMLSelectElement) => [...select.options].map((o) => o.value))).toEqual([
      '',
      'disable',
      'require',
      'verify-full',
    ]);

    await page.getByLabel('Warehouse').selectOption({ label: 'DuckDB' });
    await page.getByLabel('Name').fill('Console warehouse');
    // a refusal shows in place, with its code
    await page.getByLabel('path (required)').fill('../outside.duckdb');
    await page.getByRole('button', { name: 'Create destination' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('INVALID_FILE_PATH');
    const path = page.getByLabel('path (required)');
    expect(await path.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#config-path-error').textContent()).toContain('INVALID_FILE_PATH');
    await shot(page, '03-create-destination');
    await path.fill('console.duckdb');
    await page.getByRole('button', { name: 'Create destination' }).click();
    await expect.poll(() => page.getByRole('heading', { name: /Console warehouse/, level: 1 }).isVisible()).toBe(true);
    const destinationId = page.url().split('/').at(-1)!;
    expect(destinationId).toMatch(/^[0-9a-f-]{36}$/);

    // --- test connection: the plugin's steps, one by one
    await page.getByRole('button', { name: 'Test connection' }).click();
    const steps = page.getByRole('list', { name: 'Check steps' }).getByRole('listitem');
    await expect.poll(() => steps.count()).toBeGreaterThan(2);
    const stepTexts = await steps.allTextContents();
    expect(
      stepTexts.every((text) => / (ok|skipped) \(/.test(text)),
      stepTexts.join('\n'),
    ).toBe(true);
    expect(stepTexts[0]).toContain('connect');

    // --- events through the demo shop, on the same server
    const shopPage = await context.newPage();
    const shop = new DemoShop(shopPage, t.url);
    await shop.open();
    await shop.openProduct('Carbon paddle');
    await shop.addToCart();
    await shop.flush();
    await expect.poll(async () => (await storedEvents()).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(6);
    await shopPage.close();
    const sent = (await storedEvents()).length;

    // --- sync now; the runs list follows the run until it succeeds, with the rows it sent
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Sync queued' }).isVisible()).toBe(true);
    await t.app.sync.scheduler.runDue();
    const run = page.locator('table.runs tbody tr').first();
    await expect.poll(() => run.locator('.badge').textContent(), { timeout: 20_000 }).toBe('succeeded');
    expect(await run.locator('td.rows').textContent()).toBe(sent.toLocaleString('en'));
    expect(await page.locator('table.runs tbody tr').count()).toBe(1);
    expect(await page.getByRole('img', { name: /Rows and duration of the last 1 finished runs/ }).isVisible()).toBe(true);
    expect(await queryDuckdb(`${t.config.destinationFilesDir}/console.duckdb`, 'select count(*)::integer as n from events')).toEqual([
      { n: sent },
    ]);
    // the destination's own facts follow the run
    await expect.poll(() => page.getByText('never synced').count()).toBe(0);
    await shot(page, '04-destination-run');

    // edit without retyping anything: only the changed field is sent
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Sync every (minutes)').fill('30');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByText('30 min').isVisible()).toBe(true);
    const edited = await t.gql(
      `query($id: ID!) { destination(id: $id) { intervalMinutes config } }`,
      { id: destinationId },
      org.keys.admin,
    );
    expect(edited.body.data.destination).toEqual({ intervalMinutes: 30, config: { path: 'console.duckdb' } });
    await page.getByRole('link', { name: 'Destinations' }).first().click();
    await expect.poll(() => page.getByRole('list', { name: 'Destinations' }).getByText('healthy').isVisible()).toBe(true);
    await shot(page, '05-destinations');

    // --- a page definition, applied to the events processed after it
    await page.getByRole('link', { name: 'Definitions' }).click();
    await page.getByText('New page definition').click();
    await page.getByLabel('Name').fill('Cart page');
    // "Test this rule" checks the rule as saving would, and shows the error in place
    await page.getByLabel('Path pattern').fill('/demo/***');
    await page.getByRole('button', { name: 'Test this rule' }).click();
    await expect.poll(() => page.locator('.rule-test').getByRole('alert').textContent()).toContain('INVALID_PATTERN');
    await page.getByLabel('Path pattern').fill('/demo/cart');
    await page.getByRole('button', { name: 'Create page definition' }).click();
    const definition = page.locator('[data-definition]').filter({ hasText: 'Cart page' });
    await expect.poll(() => definition.isVisible()).toBe(true);
    const pageDefinitionId = (await definition.getAttribute('data-definition'))!;
    expect(pageDefinitionId).toMatch(/^pd_/);

    // a second page definition goes last; "Move up" puts it first
    await page.getByLabel('Name').fill('Product pages');
    await page.getByLabel('Path pattern').fill('/demo/product/**');
    // before saving: the recent events the rule matches (the shop's product page), and nothing saved
    await page.getByRole('button', { name: 'Test this rule' }).click();
    const recent = await storedEvents();
    const productEvents = recent.filter((e) => e.sourceProperties?.url?.path?.startsWith('/demo/product/'));
    expect(productEvents.length).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('.rule-test').getByRole('status').textContent())
      .toBe(`${productEvents.length} of the newest ${recent.length} events match`);
    const matches = page.getByRole('list', { name: 'Recent events this rule matches' }).getByRole('listitem');
    expect(await matches.count()).toBe(Math.min(productEvents.length, 20));
    for (const text of await matches.allTextContents()) expect(text).toContain('/demo/product/');
    expect((await t.gql(`{ pageDefinitions { nodes { name } } }`, {}, org.keys.admin)).body.data.pageDefinitions.nodes).toEqual([
      { name: 'Cart page' },
    ]);
    await shot(page, '06-definitions-test-rule');
    await page.getByRole('button', { name: 'Create page definition' }).click();
    const product = page.locator('[data-definition]').filter({ hasText: 'Product pages' });
    await expect.poll(() => product.isVisible()).toBe(true);
    await product.getByRole('button', { name: 'Move up' }).click();
    const order = async () =>
      (
        (await t.gql(`{ pageDefinitions { nodes { name } } }`, {}, org.keys.admin)).body.data.pageDefinitions.nodes as { name: string }[]
      ).map((d) => d.name);
    await expect.poll(order).toEqual(['Product pages', 'Cart page']);
    await expect
      .poll(async () => (await page.locator('[data-definition] h3').allTextContents()).map((text) => text.replace(/\s+/g, ' ')))
      .toEqual(['Product pages priority 10', 'Cart page priority 20']);
    await shot(page, '06-definitions');

    const again = await context.newPage();
    const shopAgain = new DemoShop(again, t.url);
    await shopAgain.open('/demo/cart');
    await shopAgain.flush();
    await expect
      .poll(async () => (await storedEvents()).some((e) => e.sourceProperties?.page_definition_id === pageDefinitionId), {
        timeout: 20_000,
      })
      .toBe(true);
    await again.close();

    await page.getByRole('link', { name: 'Events' }).click();
    await page.getByLabel('Type').fill('navigate');
    await page.getByRole('button', { name: 'Filter' }).click();
    const newest = page.getByRole('list', { name: 'Events, newest first' }).getByRole('listitem').first();
    await expect.poll(() => newest.textContent(), { timeout: 10_000 }).toContain('/demo/cart');
    await newest.locator('summary').click();
    expect(await newest.locator('pre').textContent()).toContain(`"page_definition_id": "${pageDefinitionId}"`);
    await shot(page, '07-events');

    // --- keys: create one (shown once), revoke another
    await page.getByRole('link', { name: 'Keys' }).click();
    await expect.poll(() => page.locator('tr', { hasText: 'admin key' }).textContent()).toContain('this key');
    await page.getByText('New key').click();
    await page.getByLabel('Name').fill('shop front');
    await page.getByLabel('Role').selectOption('capture');
    await page.getByLabel('Allowed origins').fill('https://shop.example');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.locator('[data-key]');
    await expect.poll(() => shown.textContent()).toMatch(/^t[ck]_/);
    const newKey = (await shown.textContent())!;
    await shot(page, '08-keys-created');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.locator('[data-key]').count()).toBe(0);
    expect(await page.content()).not.toContain(newKey);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('tr', { hasText: 'shop front' }).getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => page.locator('tr', { hasText: 'shop front' }).getByRole('button', { name: 'Revoke' }).count()).toBe(0);
    const refused = await t.post('/capture/v1/batch', { events: [] }, { key: newKey });
    expect(refused.status).toBe(401);
    await shot(page, '09-keys');

    for (const [name, heading] of [
      ['Deletions', 'Deletion requests'],
      ['Alerts', 'Alert webhooks'],
    ] as const) {
      await page.getByRole('link', { name }).click();
      await expect.poll(() => page.getByRole('heading', { name: heading, level: 1 }).isVisible()).toBe(true);
      await shot(page, `10-${name.toLowerCase()}`);
    }

    // on a phone the destinations still read
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Destinations' }).first().click();
    await expect.poll(() => page.getByRole('link', { name: 'Console warehouse' }).isVisible()).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await shot(page, '11-phone');

    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows an analyst everything read-only, and refuses a capture key', { timeout: 60_000 }, async () => {
    const { context, page, problems } = await openConsole();
    await signIn(page, org.keys.capture);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('FORBIDDEN');
    expect(await page.evaluate(() => sessionStorage.getItem('tributary.console.key'))).toBeNull();
    await shot(page, '12-capture-key-refused');

    await signIn(page, org.keys.analyst);
    await expect.poll(() => page.getByText('(read-only)').isVisible()).toBe(true);
    await expect.poll(() => page.getByRole('link', { name: 'Console warehouse' }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'New destination' }).count()).toBe(0);
    for (const name of ['Sync now', 'Disable', 'Enable', 'Test connection'])
      expect(await page.getByRole('button', { name }).count(), name).toBe(0);
    for (const name of ['Keys', 'Deletions', 'Alerts']) expect(await page.getByRole('link', { name }).count(), name).toBe(0);
    await shot(page, '13-analyst-destinations');

    await page.getByRole('link', { name: 'Console warehouse' }).click();
    await expect.poll(() => page.locator('table.runs tbody tr').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Start backfill' }).count()).toBe(0);

    await page.getByRole('link', { name: 'Definitions' }).click();
    await expect.poll(() => page.locator('[data-definition]').count()).toBe(2);
    expect(await page.getByText('New page definition').count()).toBe(0);
    for (const name of ['Archive', 'Edit', 'Move up']) expect(await page.getByRole('button', { name }).count(), name).toBe(0);
    // trying a rule only reads: an analyst may
    await page.getByText('Test a page rule').click();
    await page.getByLabel('Path pattern').fill('/demo/cart');
    await page.getByRole('button', { name: 'Test this rule' }).click();
    await expect
      .poll(() => page.locator('.rule-test').getByRole('status').textContent())
      .toMatch(/^[1-9]\d* of the newest \d+ events match$/);
    expect(await page.getByRole('list', { name: 'Recent events this rule matches' }).getByRole('listitem').first().textContent()).toContain(
      '/demo/cart',
    );
    await shot(page, '14-analyst-test-rule');

    await page.goto(`${t.url}/console/#/destinations/new`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('reads only');
    expect(problems).toEqual([]);
    await context.close();
  });
});
