import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserBundlePath, buildSdk } from '../../sdk-web/build.ts';
import { createTestOrg, openTestDatabase, startTestApp, type TestApp, type TestOrg } from '../support/app.ts';
import { define } from '../support/definitions.ts';
import { queryDuckdb } from '../support/duckdb.ts';
import { chromiumAvailable, launchChromium } from './support/browser.ts';
import { DEMO_USER, DemoShop, demoUserId } from './support/demo-shop.ts';

const ARTIFACTS = 'test-artifacts';

/**
 * Every row the browsing below produces, in order (one view: SPA navigation keeps it). The part
 * up to the click on the checkout heading goes with fetch; the rest with the pagehide beacon.
 */
const EXPECTED = [
  'navigate /demo/ (navigate)',
  'page_properties /demo/',
  'load /demo/',
  'click /demo/ a.product-link',
  'navigate /demo/product/carbon-paddle (navigate)',
  'page_properties /demo/product/carbon-paddle',
  'click /demo/product/carbon-paddle button.add-to-cart.primary',
  'click /demo/product/carbon-paddle a#cart-link',
  'navigate /demo/cart (navigate)',
  'page_properties /demo/cart',
  'navigate /demo/product/carbon-paddle (back_forward)',
  'page_properties /demo/product/carbon-paddle',
  'click /demo/product/carbon-paddle a#cart-link',
  'navigate /demo/cart (navigate)',
  'page_properties /demo/cart',
  'click /demo/cart a.checkout-link.button.primary',
  'navigate /demo/checkout (navigate)',
  'page_properties /demo/checkout',
  'click /demo/checkout h1',
  // beacon from here
  'click /demo/checkout a#signup-link',
  'navigate /demo/signup (navigate)',
  'page_properties /demo/signup',
  // a text field's change fires when it loses focus: name (focus to email), email (focus to
  // password), the plan select, password (focus to the button on click)
  'change /demo/signup input',
  'change /demo/signup input',
  'change /demo/signup select',
  'change /demo/signup input',
  'click /demo/signup button#signup-button.primary',
  'identify /demo/signup',
  'custom /demo/signup Signed up',
  'navigate /demo/welcome (navigate)',
  'page_properties /demo/welcome',
  'navigate /demo/signup (back_forward)',
  'page_properties /demo/signup',
] as const;
const FLUSHED_WITH_FETCH = EXPECTED.indexOf('click /demo/checkout h1') + 1;

/** A row of the warehouse `events` table, JSON columns parsed. */
interface WarehouseRow {
  event_id: string;
  /** Microseconds since the epoch (UTC). */
  event_micros: number;
  device_id: string;
  session_id: string | null;
  view_id: string | null;
  event_type: string | null;
  source_type: string;
  event_properties: Record<string, any>;
  source_properties: Record<string, any>;
}

async function warehouseEvents(file: string): Promise<WarehouseRow[]> {
  const rows = await queryDuckdb<Record<string, string | null>>(
    file,
    `select event_id, epoch_us(event_time) as event_micros, device_id, session_id, view_id, event_type, source_type,
       event_properties::varchar as event_properties, source_properties::varchar as source_properties
     from events order by event_time, event_id`,
  );
  return rows.map((row) => ({
    event_id: row.event_id!,
    event_micros: Number(row.event_micros),
    device_id: String(row.device_id),
    session_id: row.session_id === null ? null : String(row.session_id),
    view_id: row.view_id === null ? null : String(row.view_id),
    event_type: row.event_type ?? null,
    source_type: row.source_type!,
    event_properties: JSON.parse(row.event_properties ?? 'null') as Record<string, any>,
    source_properties: JSON.parse(row.source_properties ?? 'null') as Record<string, any>,
  }));
}

/** What a row is, readably: type, page path, and what was clicked / why it navigated. */
function describeRow(row: WarehouseRow): string {
  const path = row.source_properties.url?.path as string | undefined;
  const target = row.event_properties.target as { raw_selector?: string } | undefined;
  switch (row.event_type) {
    case 'navigate':
      return `navigate ${path} (${String(row.event_properties.navigate_reason)})`;
    case 'click':
    case 'change':
      return `${row.event_type} ${path} ${target?.raw_selector?.split(' > ').at(-1) ?? '?'}`;
    case 'custom':
      return `custom ${path} ${String(row.event_properties.event_name)}`;
    default:
      return `${String(row.event_type)} ${path}`;
  }
}

/**
 * The rows' descriptions in warehouse order (event_time). The warehouse keeps the device clock's
 * milliseconds, not the SDK's sequence number, so events recorded in the same millisecond (a
 * click and the navigate it triggers, identify and the track after it) tie; only within such a
 * tie are they put in the order `expected` lists them. A row with an event_time earlier than one
 * expected before it still comes out of order.
 */
function inWarehouseOrder(rows: WarehouseRow[], expected: readonly string[]): string[] {
  const consumed = new Set<number>();
  const claim = (description: string) => {
    for (let index = expected.indexOf(description); index !== -1; index = expected.indexOf(description, index + 1)) {
      if (!consumed.has(index)) {
        consumed.add(index);
        return index;
      }
    }
    return Number.MAX_SAFE_INTEGER;
  };
  const sorted = [...rows].sort((a, b) => a.event_micros - b.event_micros);
  const out: string[] = [];
  for (let start = 0; start < sorted.length;) {
    let end = start;
    while (end < sorted.length && sorted[end]!.event_micros === sorted[start]!.event_micros) end++;
    const tie = sorted.slice(start, end).map((row) => ({ description: describeRow(row), index: 0 }));
    for (const entry of tie) entry.index = claim(entry.description);
    out.push(...tie.sort((a, b) => a.index - b.index).map((entry) => entry.description));
    start = end;
  }
  return out;
}

/**
 * Known SDK race (reported, not fixed here): the SDK script is `async` and the shop's `defer`,
 * so which `popstate` listener runs first varies. When the shop's runs first it re-renders (and
 * records page_properties) before the SDK records the back_forward navigate. Only that adjacent
 * pair is put back in the expected order; anything else out of order still fails.
 */
function allowPopstateListenerRace(descriptions: string[]): string[] {
  const out = [...descriptions];
  for (let i = 0; i + 1 < out.length; i++) {
    const navigate = /^navigate (\S+) \(back_forward\)$/.exec(out[i + 1]!);
    if (navigate && out[i] === `page_properties ${navigate[1]}`) [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
  }
  return out;
}

describe.skipIf(!chromiumAvailable())('demo shop in Chromium → capture → DuckDB warehouse', () => {
  let store: Awaited<ReturnType<typeof openTestDatabase>>;
  let shopOrg: TestOrg;
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(browserBundlePath)) await buildSdk({ declarations: false });
    store = await openTestDatabase();
    // The organization whose capture key the demo page carries: everything is checked there.
    shopOrg = await createTestOrg(store.db, 'demo shop');
    t = await startTestApp({ db: store.db, appDeps: { demoCaptureKey: shopOrg.keys.capture } });
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await store?.drop();
  });

  it(
    'browses, clicks, identifies and navigates in the SPA; the synced DuckDB file holds every row, enriched',
    { timeout: 120_000 },
    async () => {
      const architect = shopOrg.keys.architect;
      const checkout = await define(t, 'Page', { name: 'Checkout', rule: { path: '/demo/checkout' } }, architect);
      const signUpButton = await define(t, 'Element', { name: 'Sign Up button', rule: { selector: '#signup-button' } }, architect);
      const addToCartButton = await define(t, 'Element', { name: 'Add to cart button', rule: { selector: '.add-to-cart' } }, architect);
      const addedToCart = await define(
        t,
        'Event',
        { name: 'Added to cart', rule: { eventType: 'click', elementDefinitionId: addToCartButton.id } },
        architect,
      );

      const file = join(t.config.destinationFilesDir, 'warehouse.duckdb');
      const created = await t.gql(
        `mutation($input: DestinationInput!) { createDestination(input: $input) {
        __typename ... on DestinationCreated { data { id } } ... on ValidationError { code message } } }`,
        { input: { name: 'e2e warehouse', pluginId: 'duckdb', config: { path: 'warehouse.duckdb' } } },
        architect,
      );
      expect(created.body.errors).toBeUndefined();
      expect(created.body.data.createDestination.__typename, JSON.stringify(created.body)).toBe('DestinationCreated');
      const destinationId = created.body.data.createDestination.data.id as string;

      const stored = async (deviceId: string): Promise<Array<{ eventType: string }>> => {
        const r = await t.gql(
          `query($d: String!) { events(first: 500, filter: { deviceId: $d }) { nodes { eventType } } }`,
          { d: deviceId },
          shopOrg.keys.analyst,
        );
        expect(r.body.errors).toBeUndefined();
        return r.body.data.events.nodes;
      };

      // --- In Chromium, on the real server (`/demo/` carries the shop organization's capture key).
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      const fetches: Array<{ authorization?: string; status: number }> = [];
      page.on('response', (response) => {
        const request = response.request();
        if (new URL(request.url()).pathname !== '/capture/v1/batch' || request.method() !== 'POST') return;
        fetches.push({ authorization: request.headers().authorization, status: response.status() });
      });
      const shop = new DemoShop(page, t.url);

      await shop.open();
      const deviceId = (await context.cookies()).find((cookie) => cookie.name === '_tributary_device')?.value;
      expect(deviceId).toMatch(/^[1-9]\d*$/);
      await shop.openProduct('Carbon paddle');
      await shop.addToCart();
      const screenshot = await page.screenshot({ path: `${ARTIFACTS}/e2e-demo.png`, fullPage: true });
      await shop.goToCart();
      await page.goBack();
      await page.waitForURL('**/demo/product/carbon-paddle');
      await shop.goToCart();
      await shop.goToCheckout();
      await page.locator('h1').click();

      // The first part goes with fetch, authenticated with the page's capture key.
      await shop.flush();
      await expect.poll(async () => (await stored(deviceId!)).length, { timeout: 20_000, interval: 200 }).toBe(FLUSHED_WITH_FETCH);
      await expect.poll(() => fetches.length).toBeGreaterThan(0);
      expect(
        fetches.every((f) => f.authorization === `Bearer ${shopOrg.keys.capture}` && f.status === 202),
        JSON.stringify(fetches),
      ).toBe(true);

      // From here the server "is down" for fetch (503, retry in 30 s): the rest can only arrive
      // with the beacon the SDK sends on pagehide.
      let refusedFetches = 0;
      await page.route('**/capture/v1/batch*', (route) => {
        refusedFetches++;
        return route.fulfill({
          status: 503,
          headers: { 'retry-after': '30', 'content-type': 'application/json' },
          body: '{"error":{"code":"UNAVAILABLE","message":"test"}}',
        });
      });
      await shop.signUp();
      await page.goBack();
      await page.waitForURL('**/demo/signup');
      await shop.flush();
      await expect.poll(() => refusedFetches, { timeout: 10_000 }).toBeGreaterThan(0);
      await page.waitForTimeout(200);
      expect((await stored(deviceId!)).map((e) => e.eventType)).not.toContain('identify');
      // Playwright's routing would hold the beacon too: stop it (the SDK waits 30 s before retrying).
      await page.unrouteAll();
      await page.close({ runBeforeUnload: true });
      // The browser stays open while the beacon is on its way, as it does when a user closes a tab.
      await expect.poll(async () => (await stored(deviceId!)).length, { timeout: 20_000, interval: 200 }).toBe(EXPECTED.length);
      await context.close();
      expect(pageErrors).toEqual([]);

      // --- Sync to DuckDB.
      const queued = await t.gql(
        `mutation($id: ID!) { syncDestinationNow(id: $id) { __typename ... on SyncQueued { data { status } } } }`,
        { id: destinationId },
        architect,
      );
      expect(queued.body.data.syncDestinationNow).toEqual({ __typename: 'SyncQueued', data: { status: 'queued' } });
      await t.app.sync.scheduler.runDue();
      const runs = await t.gql(
        `query($id: ID!) { destination(id: $id) { runs { nodes { status rows error } } } }`,
        { id: destinationId },
        architect,
      );
      expect(runs.body.data.destination.runs.nodes).toEqual([{ status: 'succeeded', rows: EXPECTED.length, error: null }]);

      // --- The warehouse: every row, once, in order, of one device, session and view (SPA navigation keeps the view).
      const rows = await warehouseEvents(file);
      expect(allowPopstateListenerRace(inWarehouseOrder(rows, EXPECTED))).toEqual(EXPECTED);
      expect(new Set(rows.map((row) => row.event_id)).size).toBe(rows.length);
      const [first] = rows;
      expect(first!.session_id).toMatch(/^[1-9]\d*$/);
      expect(first!.view_id).toMatch(/^[1-9]\d*$/);
      for (const row of rows) {
        expect(row).toMatchObject({ device_id: deviceId, session_id: first!.session_id, view_id: first!.view_id, source_type: 'web' });
        expect(row.source_properties).toMatchObject({
          entrypoint: 'POST /capture/v1/batch',
          integration: 'tributary-web',
          origin: 'dom',
          url: { host: new URL(t.url).host },
        });
      }
      expect(await queryDuckdb(file, 'select count(*)::integer as n from raw_events')).toEqual([{ n: 0 }]);

      const byDescription = (description: string) => {
        const matching = rows.filter((row) => describeRow(row) === description);
        expect(matching, description).toHaveLength(1);
        return matching[0]!;
      };

      // Page definition: the checkout navigate and what happened on that page.
      const onCheckout = new Set([
        'navigate /demo/checkout (navigate)',
        'page_properties /demo/checkout',
        'click /demo/checkout h1',
        'click /demo/checkout a#signup-link',
      ]);
      for (const row of rows) {
        const description = describeRow(row);
        expect(row.source_properties.page_definition_id ?? null, description).toBe(onCheckout.has(description) ? checkout.id : null);
      }

      // Element definitions: the sign-up button, and the add-to-cart button behind the event definition.
      const signUpClick = byDescription('click /demo/signup button#signup-button.primary');
      expect(signUpClick.event_properties.target).toMatchObject({
        text: 'Sign up',
        masked: false,
        element_definition_id: signUpButton.id,
        additional_element_definition_ids: [],
      });
      const addToCartClick = byDescription('click /demo/product/carbon-paddle button.add-to-cart.primary');
      expect(addToCartClick.event_properties.target).toMatchObject({ text: 'Add to cart', element_definition_id: addToCartButton.id });
      expect(addToCartClick.event_properties).toMatchObject({ event_definition_id: addedToCart.id, additional_event_definition_ids: [] });
      for (const row of rows) {
        const expectedElement = row === signUpClick ? signUpButton.id : row === addToCartClick ? addToCartButton.id : null;
        if (row.event_type === 'click' || row.event_type === 'change') {
          expect(row.event_properties.target.element_definition_id ?? null, describeRow(row)).toBe(expectedElement);
          expect(row.event_properties.target.additional_element_definition_ids, describeRow(row)).toEqual([]);
        }
        expect(row.event_properties.event_definition_id ?? null, describeRow(row)).toBe(row === addToCartClick ? addedToCart.id : null);
        expect(row.event_properties.additional_event_definition_ids, describeRow(row)).toEqual([]);
      }

      // Typed values never leave the page; identify carries the user.
      for (const change of rows.filter((row) => row.event_type === 'change'))
        expect(change.event_properties.target).toMatchObject({ text: '****', masked: true });
      expect(JSON.stringify(rows)).not.toContain(DEMO_USER.password);
      const identify = byDescription('identify /demo/signup');
      expect(identify.event_properties).toMatchObject({
        user_id: demoUserId(DEMO_USER.email),
        user_email: DEMO_USER.email,
        user_display_name: DEMO_USER.displayName,
        user_properties: { plan: DEMO_USER.plan },
      });
      expect(byDescription('custom /demo/signup Signed up').event_properties).toMatchObject({
        event_name: 'Signed up',
        properties: { plan: 'pro' },
      });

      // --- The lookup tables name the definitions.
      const lookup = (table: string) =>
        queryDuckdb<{ id: string; name: string; state: string; rule: string }>(
          file,
          `select id, name, state, rule::varchar as rule from ${table} order by name`,
        );
      const parsed = (definitions: Array<{ id: string; name: string; state: string; rule: string }>) =>
        definitions.map((d) => ({ ...d, rule: JSON.parse(d.rule) as unknown }));
      expect(parsed(await lookup('page_definitions'))).toEqual([
        { id: checkout.id, name: 'Checkout', state: 'active', rule: { path: '/demo/checkout' } },
      ]);
      expect(parsed(await lookup('element_definitions'))).toEqual([
        { id: addToCartButton.id, name: 'Add to cart button', state: 'active', rule: { selector: '.add-to-cart' } },
        { id: signUpButton.id, name: 'Sign Up button', state: 'active', rule: { selector: '#signup-button' } },
      ]);
      expect(parsed(await lookup('event_definitions'))).toEqual([
        {
          id: addedToCart.id,
          name: 'Added to cart',
          state: 'active',
          rule: { eventType: 'click', elementDefinitionId: addToCartButton.id },
        },
      ]);

      // --- The screenshot artefact: a PNG of the product page.
      expect(screenshot.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(statSync(`${ARTIFACTS}/e2e-demo.png`).size).toBe(screenshot.length);
    },
  );
});
