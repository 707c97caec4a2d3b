import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/client.ts';
import { createDefinitionChanges } from '../../server/definitions/services/changes.ts';
import { createDefinitionsEnrichmentSource } from '../../server/definitions/services/enrichment-source.ts';
import { silentLogger } from '../../server/log.ts';
import { parseUrl } from '../../server/events/url.ts';
import { createTestOrg, startTestApp, type TestApp, type TestOrg } from '../support/app.ts';
import { archive, define, REORDER, update } from '../support/definitions.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

let counter = 0;
const nextId = () => String(7_000_000 + ++counter);
const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36';

/** One SDK batch from a new device; events get increasing times and sequence numbers. */
async function capture(events: Record<string, unknown>[], key = t.org.keys.capture): Promise<string> {
  const deviceId = nextId();
  const start = Date.parse('2026-11-26T10:00:00Z') + counter * 60_000;
  const body = {
    sdk: { name: 'tributary-web', version: '0.1.0' },
    device_id: deviceId,
    session_id: '1',
    context: { user_agent: UA },
    events: events.map((event, i) => ({ id: `e${i}`, seq: i, time: start + i * 1000, ...event })),
  };
  const r = await t.post('/capture/v1/batch', body, { key });
  expect(r.status).toBe(202);
  expect(r.body.rejected).toEqual([]);
  return deviceId;
}

/** The device's rows in event order. */
async function rowsOf(deviceId: string, key = t.org.keys.analyst): Promise<any[]> {
  const r = await t.gql(
    `query($f: EventFilter) { events(first: 500, filter: $f) { nodes { eventId eventTime eventType eventProperties sourceProperties } } }`,
    { f: { deviceId } },
    key,
  );
  expect(r.body.errors).toBeUndefined();
  return (r.body.data.events.nodes as any[]).sort((a, b) => (a.eventTime < b.eventTime ? -1 : 1));
}

const signupPath = (inner: Record<string, unknown>) => ({
  text: 'Sign up',
  masked: false,
  path: [
    inner,
    { tag: 'button', id: 'signup-button', classes: ['btn', 'primary'], attrs: { type: 'submit', 'data-testid': 'signup' } },
    { tag: 'form', id: 'signup-form', classes: ['stack'] },
    { tag: 'main', id: 'app' },
    { tag: 'body' },
    { tag: 'html', attrs: { lang: 'en' } },
  ],
  element_properties: {},
});

describe('enrichment of captured events', () => {
  it('ranks element definitions by CSS specificity on a click inside a nested button, and event definitions by specificity', async () => {
    const org = await createTestOrg(t.db, 'clicks org');
    const k = org.keys.architect;
    const byId = await define(t, 'Element', { name: 'Sign up button (id)', rule: { selector: '#signup-button' } }, k);
    const primary = await define(t, 'Element', { name: 'Primary button', rule: { selector: 'button.primary' } }, k);
    const btn = await define(t, 'Element', { name: 'Any .btn', rule: { selector: '.btn' } }, k);
    const formButton = await define(t, 'Element', { name: 'Form button', rule: { selector: 'form button' } }, k);
    await define(t, 'Element', { name: 'Checkout form', rule: { selector: 'form#checkout-form' } }, k);
    await define(t, 'Element', { name: 'Links', rule: { selector: 'a[href]' } }, k);
    const primaryClick = await define(
      t,
      'Event',
      { name: 'Primary click', rule: { eventType: 'click', elementDefinitionId: primary.id } },
      k,
    );
    const signupText = await define(
      t,
      'Event',
      { name: 'Sign up text', rule: { properties: [{ path: 'target.text', op: 'EQUALS', value: 'Sign up' }] } },
      k,
    );
    const anyClick = await define(t, 'Event', { name: 'Any click', rule: { eventType: 'click' } }, k);
    await define(t, 'Event', { name: 'Any change', rule: { eventType: 'change' } }, k);

    const view = nextId();
    const device = await capture(
      [
        { type: 'navigate', view_id: view, url: 'https://shop.example/signup' },
        { type: 'click', view_id: view, target: signupPath({ tag: 'span', classes: ['label'] }) },
        {
          type: 'click',
          view_id: view,
          target: {
            text: 'Home',
            masked: false,
            path: [{ tag: 'a', attrs: { href: '/' } }, { tag: 'nav' }, { tag: 'body' }, { tag: 'html' }],
          },
        },
      ],
      org.keys.capture,
    );
    const [, click, link] = await rowsOf(device, org.keys.analyst);
    expect(click.eventProperties.target).toMatchObject({
      text: 'Sign up',
      raw_selector: 'html > body > main#app > form#signup-form.stack > button#signup-button.btn.primary > span.label',
      element_definition_id: byId.id,
      additional_element_definition_ids: [primary.id, btn.id, formButton.id],
    });
    expect(click.eventProperties.event_definition_id).toBe(primaryClick.id);
    expect(click.eventProperties.additional_event_definition_ids).toEqual([signupText.id, anyClick.id]);
    expect(link.eventProperties.target.element_definition_id).not.toBeNull();
    expect(link.eventProperties.target.additional_element_definition_ids).toEqual([]);
    expect(link.eventProperties.event_definition_id).toBe(anyClick.id);
    expect(link.eventProperties.additional_event_definition_ids).toEqual([]);
  });

  it('gives SPA navigations the first page definition by priority, and events without a URL the page of the navigate before them', async () => {
    const org = await createTestOrg(t.db, 'spa org');
    const k = org.keys.admin;
    const pay = await define(
      t,
      'Page',
      { name: 'Checkout: pay', rule: { host: 'shop.example', path: '/app', fragment: '/checkout/pay' } },
      k,
    );
    const checkout = await define(t, 'Page', { name: 'Checkout', rule: { path: '/app', fragment: '/checkout/**' } }, k);
    const app = await define(t, 'Page', { name: 'App', rule: { path: '/app/**' } }, k);
    const coupon = await define(
      t,
      'Page',
      { name: 'Coupon landing', rule: { path: '/app/**', query: [{ key: 'coupon', op: 'EXISTS' }] }, priority: 5 },
      k,
    );
    const payButton = await define(t, 'Element', { name: 'Pay button', rule: { selector: '#pay', pageDefinitionId: pay.id } }, k);
    const payView = await define(t, 'Event', { name: 'Viewed payment', rule: { eventType: 'navigate', pageDefinitionId: pay.id } }, k);

    const view = nextId();
    const payTarget = {
      text: 'Pay',
      masked: false,
      path: [{ tag: 'button', id: 'pay' }, { tag: 'body' }, { tag: 'html' }],
      element_properties: {},
    };
    const device = await capture(
      [
        { type: 'navigate', view_id: view, url: 'https://shop.example/app#/home' },
        { type: 'click', view_id: view, target: payTarget },
        { type: 'navigate', view_id: view, url: 'https://shop.example/app#/checkout/address?step=1' },
        { type: 'navigate', view_id: view, url: 'https://shop.example/app#/checkout/pay?method=card' },
        { type: 'click', view_id: view, target: payTarget },
        { type: 'custom', view_id: view, properties: { event_name: 'Payment started' } },
        { type: 'navigate', view_id: view, url: 'https://shop.example/app?coupon=X#/checkout/pay' },
        { type: 'navigate', view_id: view, url: 'https://other.example/blog' },
      ],
      org.keys.capture,
    );
    const rows = await rowsOf(device, org.keys.analyst);
    expect(rows.map((r) => r.sourceProperties.page_definition_id)).toEqual([
      app.id,
      app.id,
      checkout.id,
      pay.id,
      pay.id,
      pay.id,
      coupon.id,
      null,
    ]);
    // the click on #pay only matches the element definition on the pay page
    expect(rows[1].eventProperties.target.element_definition_id).toBeNull();
    expect(rows[4].eventProperties.target.element_definition_id).toBe(payButton.id);
    // events without a URL carry the navigate's URL, hash route included
    expect(rows[5].sourceProperties.url).toMatchObject({ path: '/app', hash_path: '/checkout/pay', hash_query: '?method=card' });
    expect(rows.map((r) => r.eventProperties.event_definition_id)).toEqual([null, null, null, payView.id, null, null, null, null]);

    // an explicit order: "App" first now takes every /app URL, for events processed from now on
    const reorder = await t.gql(REORDER, { ids: [app.id, coupon.id, pay.id, checkout.id] }, k);
    expect(reorder.body.data.reorderPageDefinitions.__typename).toBe('PageDefinitionsReordered');
    const later = await capture([{ type: 'navigate', view_id: nextId(), url: 'https://shop.example/app#/checkout/pay' }], org.keys.capture);
    expect((await rowsOf(later, org.keys.analyst))[0].sourceProperties.page_definition_id).toBe(app.id);
    expect((await rowsOf(device, org.keys.analyst)).map((r) => r.sourceProperties.page_definition_id)).toEqual(
      rows.map((r) => r.sourceProperties.page_definition_id),
    );
  });

  it('matches custom events on property conditions, with the page condition as the stronger one', async () => {
    const org = await createTestOrg(t.db, 'custom org');
    const k = org.keys.admin;
    const checkout = await define(t, 'Page', { name: 'Checkout', rule: { path: '/checkout/**' } }, k);
    const purchase = await define(
      t,
      'Event',
      { name: 'Purchase', rule: { eventType: 'custom', properties: [{ path: 'event_name', op: 'EQUALS', value: 'Purchase' }] } },
      k,
    );
    const big = await define(
      t,
      'Event',
      {
        name: 'Big purchase',
        rule: {
          properties: [
            { path: 'event_name', op: 'EQUALS', value: 'Purchase' },
            { path: 'properties.revenue', op: 'GT', value: 100 },
          ],
        },
      },
      k,
    );
    const pro = await define(
      t,
      'Event',
      { name: 'Pro plan', rule: { properties: [{ path: 'properties.plan', op: 'REGEX', value: '^pro-(monthly|annual)$' }] } },
      k,
    );
    const coupon = await define(
      t,
      'Event',
      { name: 'With coupon', rule: { properties: [{ path: 'properties.cart.coupon', op: 'EXISTS' }] } },
      k,
    );
    const checkoutPurchase = await define(
      t,
      'Event',
      {
        name: 'Checkout purchase',
        rule: { eventType: 'custom', pageDefinitionId: checkout.id, properties: [{ path: 'event_name', op: 'EQUALS', value: 'Purchase' }] },
      },
      k,
    );

    const view = nextId();
    const device = await capture(
      [
        { type: 'navigate', view_id: view, url: 'https://shop.example/checkout/done' },
        {
          type: 'custom',
          view_id: view,
          properties: { event_name: 'Purchase', revenue: 150, plan: 'pro-annual', cart: { coupon: 'X', items: 3 } },
        },
        {
          type: 'custom',
          view_id: view,
          url: 'https://shop.example/account',
          properties: { event_name: 'Purchase', revenue: '150.5', plan: 'free' },
        },
        {
          type: 'custom',
          view_id: view,
          url: 'https://shop.example/account',
          properties: { event_name: 'Purchase', revenue: 20, plan: 'pro-annual-2' },
        },
        { type: 'custom', view_id: view, properties: { event_name: 'purchase', plan: 'pro-monthly' } },
      ],
      org.keys.capture,
    );
    const [, first, second, third, fourth] = await rowsOf(device, org.keys.analyst);
    expect(first.eventProperties).toMatchObject({
      event_definition_id: checkoutPurchase.id,
      additional_event_definition_ids: [big.id, purchase.id, pro.id, coupon.id],
    });
    expect(second.eventProperties).toMatchObject({ event_definition_id: big.id, additional_event_definition_ids: [purchase.id] });
    expect(third.eventProperties).toMatchObject({ event_definition_id: purchase.id, additional_event_definition_ids: [] });
    expect(fourth.eventProperties).toMatchObject({ event_definition_id: pro.id, additional_event_definition_ids: [] });
    // custom properties live under `properties` (docs/capture-protocol.md), kept as sent
    expect(first.eventProperties).toMatchObject({ event_name: 'Purchase', properties: { revenue: 150, cart: { coupon: 'X', items: 3 } } });
  });
});

describe('forward-only definitions', () => {
  it('enriches events with the definitions active when processed, and never rewrites earlier rows', async () => {
    const org = await createTestOrg(t.db, 'forward org');
    const k = org.keys.architect;
    const signup = await define(t, 'Page', { name: 'Sign up', rule: { path: '/signup' } }, k);
    const button = await define(t, 'Element', { name: 'Sign up button', rule: { selector: '#signup-button' } }, k);
    const primary = await define(t, 'Element', { name: 'Primary', rule: { selector: '.primary' } }, k);
    const signupClick = await define(
      t,
      'Event',
      { name: 'Sign up click', rule: { eventType: 'click', elementDefinitionId: button.id } },
      k,
    );
    const started = await define(
      t,
      'Event',
      { name: 'Sign up started', rule: { properties: [{ path: 'event_name', op: 'EQUALS', value: 'Signup started' }] } },
      k,
    );
    const batch = (view: string) => [
      { type: 'navigate', view_id: view, url: 'https://shop.example/signup?ref=ad' },
      { type: 'click', view_id: view, target: signupPath({ tag: 'span' }) },
      { type: 'custom', view_id: view, properties: { event_name: 'Signup started' } },
    ];

    const first = await capture(batch(nextId()), org.keys.capture);
    const before = await rowsOf(first, org.keys.analyst);
    expect(before.map((r) => r.sourceProperties.page_definition_id)).toEqual([signup.id, signup.id, signup.id]);
    expect(before[1].eventProperties.target).toMatchObject({
      element_definition_id: button.id,
      additional_element_definition_ids: [primary.id],
    });
    expect(before[1].eventProperties.event_definition_id).toBe(signupClick.id);
    expect(before[2].eventProperties.event_definition_id).toBe(started.id);

    // edits between the batches: a page rule, an element selector, an archived event definition
    await update(t, 'Page', signup.id, { rule: { path: '/register' } }, k);
    await update(t, 'Element', primary.id, { rule: { selector: 'button.primary' } }, k);
    await archive(t, 'Event', started.id, k);
    const renamed = await define(t, 'Event', { name: 'Sign up started (v2)', rule: { eventType: 'custom' } }, k);

    const second = await capture(batch(nextId()), org.keys.capture);
    const after = await rowsOf(second, org.keys.analyst);
    expect(after.map((r) => r.sourceProperties.page_definition_id)).toEqual([null, null, null]);
    expect(after[1].eventProperties.target).toMatchObject({
      element_definition_id: button.id,
      additional_element_definition_ids: [primary.id],
    });
    expect(after[2].eventProperties.event_definition_id).toBe(renamed.id);
    expect(after[2].eventProperties.additional_event_definition_ids).toEqual([]);
    // the element rule changed but still matches; the page did not: the click event stays defined
    expect(after[1].eventProperties.event_definition_id).toBe(signupClick.id);

    // batch 1 rows are exactly as they were
    expect(await rowsOf(first, org.keys.analyst)).toEqual(before);
  });
});

describe('organization isolation', () => {
  it('never matches one organization definitions against another organization events', async () => {
    const theirs: TestOrg = await createTestOrg(t.db, 'isolated org');
    await define(t, 'Page', { name: 'Everything', rule: { path: '/**' } }, theirs.keys.admin);
    await define(t, 'Element', { name: 'Every button', rule: { selector: 'button' } }, theirs.keys.admin);
    await define(t, 'Event', { name: 'Every click', rule: { eventType: 'click' } }, theirs.keys.admin);
    const events = () => {
      const view = nextId();
      return [
        { type: 'navigate', view_id: view, url: 'https://shop.example/signup' },
        { type: 'click', view_id: view, target: signupPath({ tag: 'span' }) },
      ];
    };
    const mine = await rowsOf(await capture(events()));
    for (const row of mine) {
      expect(row.sourceProperties.page_definition_id).toBeNull();
      expect(row.eventProperties.event_definition_id).toBeNull();
    }
    expect(mine[1].eventProperties.target.element_definition_id).toBeNull();
    const theirRows = await rowsOf(await capture(events(), theirs.keys.capture), theirs.keys.analyst);
    expect(theirRows[1].eventProperties.target.element_definition_id).toMatch(/^el_/);
    expect(theirRows[1].eventProperties.event_definition_id).toMatch(/^ed_/);
  });
});

describe('the enrichment source', () => {
  it('sees changes made through another server instance within the re-check interval', async () => {
    const org = await createTestOrg(t.db, 'instances org');
    let clock = 1_000_000;
    // Another instance: same store, its own handle, so it gets no in-process change notice.
    const otherInstanceDb: Database = { ...t.db };
    const source = createDefinitionsEnrichmentSource(
      { db: otherInstanceDb, log: silentLogger(), changes: createDefinitionChanges() },
      { recheckMs: 1000, now: () => clock },
    );
    const url = parseUrl('https://shop.example/pricing')!;
    expect((await source(org.orgId)).page(url)).toBeNull();
    const page = await define(t, 'Page', { name: 'Pricing', rule: { path: '/pricing' } }, org.keys.admin);
    clock += 999;
    expect((await source(org.orgId)).page(url)).toBeNull();
    clock += 2;
    expect((await source(org.orgId)).page(url)).toBe(page.id);
    // the same compiled enrichment is reused while nothing changes
    const compiled = await source(org.orgId);
    clock += 5000;
    expect(await source(org.orgId)).toBe(compiled);
  });
});
