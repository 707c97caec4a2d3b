import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36';
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

let counter = 0;
const nextId = () => String(1_000_000 + ++counter);

function batch(events: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return {
    sdk: { name: 'tributary-web', version: '0.1.0' },
    device_id: '42',
    session_id: '7',
    context: { user_agent: UA, initial_referrer: 'https://www.google.com/search?q=shop' },
    events,
    ...extra,
  };
}

async function eventsOf(filter: Record<string, unknown> = {}) {
  const r = await t.gql(
    `query($f: EventFilter) { events(first: 500, filter: $f) { nodes { eventId eventTime processedTime deviceId sessionId viewId eventType eventProperties sourceType sourceProperties } } }`,
    { f: filter },
  );
  expect(r.body.errors).toBeUndefined();
  return r.body.data.events.nodes as any[];
}

describe('native capture endpoint', () => {
  it('stores a navigate and a click with page context, parsed user agent and URL parts', async () => {
    const viewId = nextId();
    const r = await t.post(
      '/capture/v1/batch',
      batch([
        {
          id: 'n1',
          seq: 1,
          view_id: viewId,
          time: '2026-11-26T10:00:00.123456Z',
          type: 'navigate',
          url: 'https://shop.example/checkout?step=1#/pay?m=card',
          title: 'Checkout',
        },
        {
          id: 'c1',
          seq: 2,
          view_id: viewId,
          time: '2026-11-26T11:00:01+01:00',
          type: 'click',
          target: {
            text: 'Pay',
            path: [{ tag: 'button', id: 'pay', classes: ['btn', 'primary'] }, { tag: 'form' }, { tag: 'body' }, { tag: 'html' }],
          },
        },
      ]),
    );
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ accepted: 2, rejected: [] });
    const rows = await eventsOf({ deviceId: '42' });
    const nav = rows.find((e) => e.viewId === viewId && e.eventType === 'navigate');
    const click = rows.find((e) => e.viewId === viewId && e.eventType === 'click');
    expect(nav.eventTime).toBe('2026-11-26T10:00:00.123456Z');
    expect(click.eventTime).toBe('2026-11-26T10:00:01.000000Z');
    expect(nav.eventProperties).toMatchObject({
      navigate_reason: 'navigate',
      event_definition_id: null,
      additional_event_definition_ids: [],
    });
    expect(nav.sourceType).toBe('web');
    expect(nav.sourceProperties).toMatchObject({
      entrypoint: 'POST /capture/v1/batch',
      origin: 'dom',
      integration: 'tributary-web',
      url: { host: 'shop.example', path: '/checkout', query: '?step=1', hash_path: '/pay', hash_query: '?m=card' },
      initial_referrer: { host: 'www.google.com', path: '/search' },
      user_agent: { browser: 'Chrome', browser_version: '123.0.0.0', operating_system: 'Mac OS', device: 'Desktop' },
    });
    // the click has no URL of its own: it takes the page of the navigate before it
    expect(click.sourceProperties.url.full_url).toBe('https://shop.example/checkout?step=1#/pay?m=card');
    expect([nav.sourceProperties.title, click.sourceProperties.title]).toEqual(['Checkout', 'Checkout']);
    expect(click.eventProperties.target).toMatchObject({
      text: 'Pay',
      masked: false,
      raw_selector: 'html > body > form > button#pay.btn.primary',
    });
    expect(click.sessionId).toBe('7');
  });

  it('accepts sendBeacon requests (text/plain, key in the query string) and answers CORS', async () => {
    const pre = await fetch(`${t.url}/capture/v1/batch`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    const r = await fetch(`${t.url}/capture/v1/batch?key=${t.org.keys.capture}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example' },
      body: JSON.stringify(
        batch([{ id: 'b1', seq: 1, view_id: nextId(), time: Date.now(), type: 'load', properties: { load_time_millis: 812 } }]),
      ),
    });
    expect(r.status).toBe(202);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });

  it('stores a replayed client event once', async () => {
    const viewId = nextId();
    const body = batch([
      { id: 'r1', seq: 1, view_id: viewId, time: '2026-11-26T09:00:00Z', type: 'navigate', url: 'https://shop.example/' },
    ]);
    for (let i = 0; i < 3; i++) expect((await t.post('/capture/v1/batch', body)).status).toBe(202);
    const again = await t.post('/capture/v1/batch', body);
    expect(again.body).toMatchObject({ accepted: 1, duplicates: 1 });
    expect((await eventsOf({ deviceId: '42' })).filter((e) => e.viewId === viewId)).toHaveLength(1);
  });
});
