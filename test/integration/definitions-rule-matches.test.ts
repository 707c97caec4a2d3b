import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_TEST_WINDOW } from '../../schema/rule-matches.ts';
import { createMutation, define, type Kind } from '../support/definitions.ts';
import { createTestOrg, startTestApp, type TestApp, type TestOrg } from '../support/app.ts';

/** "Test this rule": the {kind}RuleMatches queries (docs/definitions.md). */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

let counter = 0;
const nextId = () => String(8_000_000 + ++counter);

/** One SDK batch from a new device; returns the device id. */
async function capture(org: TestOrg, events: Record<string, unknown>[]): Promise<string> {
  const deviceId = nextId();
  const start = Date.parse('2026-11-27T10:00:00Z') + counter * 60_000;
  const body = {
    sdk: { name: 'tributary-web', version: '0.1.0' },
    device_id: deviceId,
    session_id: '1',
    context: { user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/123.0.0.0 Safari/537.36' },
    events: events.map((event, i) => ({ id: `e${i}`, seq: i, time: start + i * 1000, ...event })),
  };
  const r = await t.post('/capture/v1/batch', body, { key: org.keys.capture });
  expect(r.status).toBe(202);
  expect(r.body.rejected).toEqual([]);
  return deviceId;
}

const query = (kind: Kind) => `query($rule: ${kind}RuleInput!, $first: Int) { ${kind.toLowerCase()}RuleMatches(rule: $rule, first: $first) {
  __typename
  ... on ${kind}RuleTried { data { window scanned matched events { eventId eventType deviceId sourceProperties eventProperties } } }
  ... on ValidationError { code message field } } }`;

async function tryRule(kind: Kind, rule: unknown, key: string, first?: number): Promise<any> {
  const r = await t.gql(query(kind), { rule, first }, key);
  expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
  return r.body.data[`${kind.toLowerCase()}RuleMatches`];
}

const button = (id: string, classes: string[] = []) => ({
  text: id,
  masked: false,
  path: [{ tag: 'button', id, classes }, { tag: 'form', id: 'checkout-form' }, { tag: 'body' }, { tag: 'html' }],
  element_properties: {},
});

describe('trying a rule on recent events without saving it', () => {
  let org: TestOrg;
  let device: string;
  beforeAll(async () => {
    org = await createTestOrg(t.db, 'rule test org');
    const view = nextId();
    device = await capture(org, [
      { type: 'navigate', view_id: view, url: 'https://shop.example/products/42' },
      { type: 'click', view_id: view, target: button('buy', ['btn', 'primary']) },
      { type: 'navigate', view_id: view, url: 'https://shop.example/cart' },
      { type: 'click', view_id: view, target: button('remove', ['btn']) },
      { type: 'custom', view_id: view, properties: { event_name: 'Checkout started', total: 30 } },
    ]);
  });

  it('lists the events a page, element or event rule matches, newest first, and only those', async () => {
    const pages = await tryRule('Page', { host: 'shop.example', path: '/products/*' }, org.keys.analyst);
    expect(pages.__typename).toBe('PageRuleTried');
    expect(pages.data).toMatchObject({ window: RULE_TEST_WINDOW, scanned: 5, matched: 2 });
    expect(pages.data.events.map((e: any) => e.eventType)).toEqual(['click', 'navigate']);
    expect(pages.data.events.every((e: any) => e.sourceProperties.url.path === '/products/42' && e.deviceId === device)).toBe(true);

    const elements = await tryRule('Element', { selector: 'form button.primary' }, org.keys.analyst);
    expect(elements.data.matched).toBe(1);
    expect(elements.data.events[0].eventProperties.target.text).toBe('buy');
    const anyButton = await tryRule('Element', { selector: 'button.btn' }, org.keys.analyst);
    expect(anyButton.data.events.map((e: any) => e.eventProperties.target.text)).toEqual(['remove', 'buy']);

    const events = await tryRule(
      'Event',
      { eventType: 'custom', properties: [{ path: 'properties.total', op: 'GTE', value: 30 }] },
      org.keys.analyst,
    );
    expect(events.data.events.map((e: any) => e.eventProperties.event_name)).toEqual(['Checkout started']);

    for (const [kind, rule] of [
      ['Page', { path: '/blog/**' }],
      ['Element', { selector: 'a[href]' }],
      ['Event', { eventType: 'custom', properties: [{ path: 'properties.total', op: 'GT', value: 30 }] }],
    ] as const) {
      const none = await tryRule(kind, rule, org.keys.analyst);
      expect(none.data, kind).toMatchObject({ scanned: 5, matched: 0, events: [] });
    }
  });

  it('uses the definitions the events were given: a rule naming a page definition matches the events on that page', async () => {
    const product = await define(t, 'Page', { name: 'Product', rule: { path: '/products/*' } }, org.keys.architect);
    const view = nextId();
    await capture(org, [
      { type: 'navigate', view_id: view, url: 'https://shop.example/products/7' },
      { type: 'click', view_id: view, target: button('buy', ['btn', 'primary']) },
      { type: 'navigate', view_id: view, url: 'https://shop.example/about' },
    ]);
    const onProduct = await tryRule('Event', { eventType: 'click', pageDefinitionId: product.id }, org.keys.analyst);
    // the earlier click on /products/42 was processed before the page definition existed
    expect(onProduct.data.matched).toBe(1);
    expect(onProduct.data.events[0].sourceProperties.page_definition_id).toBe(product.id);
    const buyOnProduct = await tryRule('Element', { selector: '#buy', pageDefinitionId: product.id }, org.keys.analyst);
    expect(buyOnProduct.data.matched).toBe(1);
  });

  it('lists at most `first` matches and counts them all; refuses a `first` out of range before any work', async () => {
    const one = await tryRule('Page', { host: 'shop.example' }, org.keys.analyst, 1);
    expect(one.data.events).toHaveLength(1);
    expect(one.data.matched).toBeGreaterThan(1);
    for (const first of [0, 501]) {
      const r = await t.gql(
        `query($first: Int) { pageRuleMatches(rule: { host: "shop.example" }, first: $first) { __typename } }`,
        { first },
        org.keys.analyst,
      );
      expect(r.body.errors?.[0]?.extensions?.code).toBe('INVALID_ARGUMENT');
    }
  });

  it('refuses an invalid rule with the code and field that creating it would get, and saves nothing', async () => {
    const cases: [Kind, unknown, string][] = [
      ['Page', {}, 'EMPTY_RULE'],
      ['Page', { path: '/a/***' }, 'INVALID_PATTERN'],
      ['Element', { selector: 'button:hover' }, 'UNSUPPORTED_SELECTOR'],
      ['Element', { selector: '#x', pageDefinitionId: 'pd_NOPE' }, 'INVALID_REFERENCE'],
      ['Event', { properties: [{ path: 'x', op: 'REGEX', value: '(a+)+$' }] }, 'UNSAFE_REGEX'],
    ];
    for (const [kind, rule, code] of cases) {
      const tried = await tryRule(kind, rule, org.keys.analyst);
      const created = (await t.gql(createMutation(kind), { input: { name: 'x', rule } }, org.keys.admin)).body.data[
        `create${kind}Definition`
      ];
      expect(tried, JSON.stringify(rule)).toMatchObject({
        __typename: 'ValidationError',
        code,
        field: created.field,
        message: created.message,
      });
      expect(created.code).toBe(code);
    }
    const saved = await t.gql(`{ pageDefinitions(includeArchived: true) { nodes { id } } }`, {}, org.keys.analyst);
    expect(saved.body.data.pageDefinitions.nodes).toHaveLength(1);
  });

  it("never shows another organization's events, and refuses capture keys", async () => {
    const other = await createTestOrg(t.db, 'rule test other org');
    const theirs = await tryRule('Page', { host: 'shop.example' }, other.keys.analyst);
    expect(theirs.data).toMatchObject({ scanned: 0, matched: 0, events: [] });
    await capture(other, [{ type: 'navigate', view_id: nextId(), url: 'https://shop.example/products/1' }]);
    const after = await tryRule('Page', { host: 'shop.example' }, other.keys.analyst);
    expect(after.data).toMatchObject({ scanned: 1, matched: 1 });
    const mine = await tryRule('Page', { path: '/products/1' }, org.keys.analyst);
    expect(mine.data.matched).toBe(0);
    const refused = await t.gql(query('Page'), { rule: { host: 'shop.example' } }, org.keys.capture);
    expect(refused.status).toBe(403);
  });
});

describe('the window of recent events', () => {
  it(`tries a rule on the newest ${RULE_TEST_WINDOW} events only`, async () => {
    const org = await createTestOrg(t.db, 'rule window org');
    await capture(org, [{ type: 'custom', view_id: nextId(), properties: { event_name: 'oldest' } }]);
    const seen = await tryRule('Event', { properties: [{ path: 'event_name', op: 'EQUALS', value: 'oldest' }] }, org.keys.analyst);
    expect(seen.data).toMatchObject({ scanned: 1, matched: 1 });
    for (let sent = 0; sent < RULE_TEST_WINDOW; sent += 500) {
      await capture(
        org,
        Array.from({ length: 500 }, (_, i) => ({ type: 'custom', view_id: nextId(), properties: { event_name: `newer ${sent + i}` } })),
      );
    }
    const gone = await tryRule('Event', { properties: [{ path: 'event_name', op: 'EQUALS', value: 'oldest' }] }, org.keys.analyst);
    expect(gone.data).toMatchObject({ window: RULE_TEST_WINDOW, scanned: RULE_TEST_WINDOW, matched: 0 });
    const newer = await tryRule('Event', { eventType: 'custom' }, org.keys.analyst, 3);
    expect(newer.data).toMatchObject({ scanned: RULE_TEST_WINDOW, matched: RULE_TEST_WINDOW });
    expect(newer.data.events.map((e: any) => e.eventProperties.event_name)).toEqual(['newer 999', 'newer 998', 'newer 997']);
  });
});
