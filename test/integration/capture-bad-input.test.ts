import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { TRIBUTARY_CAPTURE_RATE_LIMIT: '1000' } });
});
afterAll(() => t.close());

const good = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  seq: 1,
  view_id: '900',
  time: Date.now(),
  type: 'load',
  properties: { load_time_millis: 5 },
  ...extra,
});
const batch = (events: unknown[], extra: Record<string, unknown> = {}) => ({ device_id: '77', session_id: '1', events, ...extra });

function deep(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < levels; i++) value = { nested: value };
  return value;
}

describe('native capture: bad input gets a clear status and code, and valid events are kept', () => {
  it.each([
    ['malformed JSON', { raw: '{"events": [' }, 400, 'INVALID_JSON'],
    ['empty body', { raw: '' }, 400, 'INVALID_JSON'],
    ['not an object', { raw: '[1,2]' }, 400, 'INVALID_BATCH'],
    ['events not an array', { body: { device_id: '1', events: 'x' } }, 400, 'INVALID_BATCH'],
    ['missing device_id', { body: { events: [good('a')] } }, 400, 'INVALID_BATCH'],
    ['device_id beyond int64', { body: batch([good('a')], { device_id: '99999999999999999999' }) }, 400, 'INVALID_BATCH'],
    ['too many events', { body: batch(Array.from({ length: 501 }, (_, i) => good(`e${i}`))) }, 413, 'BATCH_TOO_LARGE'],
    ['oversized body', { raw: JSON.stringify(batch([good('a', { properties: { blob: 'x'.repeat(1_100_000) } })])) }, 413, 'BODY_TOO_LARGE'],
  ])('%s', async (_name, input, status, code) => {
    const r = await t.post('/capture/v1/batch', (input as { body?: unknown }).body, { raw: (input as { raw?: string }).raw });
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(typeof r.body.error.message).toBe('string');
    expect(JSON.stringify(r.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('rejects each bad event with its index and reason, and stores the valid ones', async () => {
    const device = '778';
    const r = await t.post(
      '/capture/v1/batch',
      batch(
        [
          good('ok1'),
          { ...good('bad-type'), type: 'hover' },
          { ...good('bad-time'), time: 'yesterday' },
          { ...good('future'), time: Date.now() + 3 * 86_400_000 },
          { ...good('deep'), properties: deep(20) },
          { ...good('huge'), properties: { s: 'y'.repeat(40_000) } },
          { seq: 1, time: Date.now(), type: 'load' },
          { ...good('noname'), type: 'custom', properties: {} },
          { ...good('click-without-target'), type: 'click' },
          { ...good('bad-url'), url: 'not a url' },
          good('ok2', { seq: 2 }),
        ],
        { device_id: device },
      ),
    );
    expect(r.status).toBe(207);
    expect(r.body.accepted).toBe(2);
    expect(r.body.rejected).toEqual([
      { index: 1, code: 'UNKNOWN_EVENT_TYPE', message: expect.any(String) },
      { index: 2, code: 'INVALID_TIMESTAMP', message: expect.any(String) },
      { index: 3, code: 'TIMESTAMP_IN_FUTURE', message: expect.any(String) },
      { index: 4, code: 'PROPERTIES_TOO_DEEP', message: expect.any(String) },
      { index: 5, code: 'PROPERTIES_TOO_LARGE', message: expect.any(String) },
      { index: 6, code: 'MISSING_FIELD', message: expect.any(String) },
      { index: 7, code: 'MISSING_FIELD', message: expect.any(String) },
      { index: 8, code: 'MISSING_FIELD', message: expect.any(String) },
      { index: 9, code: 'INVALID_URL', message: expect.any(String) },
    ]);
    const rows = await t.gql(`{ events(filter: { deviceId: "${device}" }) { nodes { eventType } } }`);
    expect(rows.body.data.events.nodes).toHaveLength(2);
  });

  it('stores property names and values as data, never as SQL', async () => {
    const evil = "x'); drop table events; --";
    const r = await t.post(
      '/capture/v1/batch',
      batch([good('sql', { type: 'custom', properties: { event_name: evil, [evil]: evil } })], { device_id: '779' }),
    );
    expect(r.status).toBe(202);
    const rows = await t.gql(`{ events(filter: { deviceId: "779" }) { nodes { eventProperties } } }`);
    expect(rows.body.data.events.nodes[0].eventProperties).toMatchObject({ event_name: evil, properties: { [evil]: evil } });
  });

  it('keeps events whose strings hold U+0000, which Postgres text and jsonb cannot store, with U+FFFD instead', async () => {
    const nul = 'a\u0000b';
    const r = await t.post(
      '/capture/v1/batch',
      batch(
        [
          good(`nul${nul}`, { type: 'custom', properties: { event_name: nul, [nul]: nul }, context: { user_agent: nul } }),
          good('after-nul', { seq: 2 }),
        ],
        { device_id: '780' },
      ),
    );
    expect([r.status, r.body.accepted]).toEqual([202, 2]);
    // a client id holding COPY's special characters is stored and recognised on replay
    const odd = good('tab\there\nnewline\\backslash', { view_id: '901', seq: 3 });
    expect((await t.post('/capture/v1/batch', batch([odd], { device_id: '780' }))).body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await t.post('/capture/v1/batch', batch([odd], { device_id: '780' }))).body).toMatchObject({ accepted: 1, duplicates: 1 });
    const rows = await t.gql(`{ events(filter: { deviceId: "780" }) { nodes { eventType eventProperties } } }`);
    const custom = rows.body.data.events.nodes.find((n: { eventType: string }) => n.eventType === 'custom');
    expect(custom.eventProperties).toMatchObject({ event_name: 'a\ufffdb', properties: { 'a\ufffdb': 'a\ufffdb' } });
  });

  it('answers 401 for a missing, unknown or revoked key', async () => {
    expect((await t.post('/capture/v1/batch', batch([good('a')]), { key: null })).body.error.code).toBe('UNAUTHENTICATED');
    const unknown = await t.post('/capture/v1/batch', batch([good('a')]), { key: 'tc_nope' });
    expect([unknown.status, unknown.body.error.code]).toEqual([401, 'INVALID_API_KEY']);
    const created = await t.gql(
      `mutation { createApiKey(input: { name: "soon revoked", role: capture }) { ... on ApiKeyCreated { data { key apiKey { id } } } } }`,
    );
    const { key, apiKey } = created.body.data.createApiKey.data;
    expect((await t.post('/capture/v1/batch', batch([good('before-revoke')]), { key })).status).toBe(202);
    await t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }`, { id: apiKey.id });
    const revoked = await t.post('/capture/v1/batch', batch([good('after-revoke')]), { key });
    expect([revoked.status, revoked.body.error.code]).toEqual([401, 'INVALID_API_KEY']);
  });

  it('refuses an analyst key on capture (403) and unknown paths (404)', async () => {
    const r = await t.post('/capture/v1/batch', batch([good('a')]), { key: t.org.keys.analyst });
    expect([r.status, r.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const missing = await t.post('/capture/v1/nope', {});
    expect([missing.status, missing.body.error.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('enforces the allowed origins of a capture key', async () => {
    const created = await t.gql(
      `mutation { createApiKey(input: { name: "shop only", role: capture, allowedOrigins: ["https://shop.example"] }) { ... on ApiKeyCreated { data { key } } } }`,
    );
    const key = created.body.data.createApiKey.data.key;
    const allowed = await t.post('/capture/v1/batch', batch([good('o1')]), { key, headers: { origin: 'https://shop.example' } });
    expect(allowed.status).toBe(202);
    const other = await t.post('/capture/v1/batch', batch([good('o2')]), { key, headers: { origin: 'https://evil.example' } });
    expect([other.status, other.body.error.code]).toEqual([403, 'ORIGIN_NOT_ALLOWED']);
  });
});

describe('ids, URLs and user agents (security issue #11)', () => {
  const codesOf = async (events: unknown[], extra: Record<string, unknown> = {}) => {
    const r = await t.post('/capture/v1/batch', batch(events, extra));
    return r.status === 207 || r.status === 202 ? r.body.rejected.map((x: { code: string }) => x.code) : [r.status, r.body.error.code];
  };

  it('refuses zero and out-of-range ids: ids are positive int64', async () => {
    expect(await codesOf([good('z1')], { device_id: 0 })).toEqual([400, 'INVALID_BATCH']);
    expect(await codesOf([good('z2')], { device_id: '0' })).toEqual([400, 'INVALID_BATCH']);
    expect(await codesOf([good('z3')], { session_id: 0 })).toEqual([400, 'INVALID_BATCH']);
    expect(await codesOf([good('z4')], { device_id: '9999999999999999999' })).toEqual([400, 'INVALID_BATCH']);
    expect(
      await codesOf([
        good('z5', { view_id: 0 }),
        good('z6', { view_id: '0' }),
        good('z7', { session_id: '0' }),
        good('z8', { view_id: '9999999999999999999' }),
        good('z9'),
      ]),
    ).toEqual(['INVALID_FIELD', 'INVALID_FIELD', 'INVALID_FIELD', 'INVALID_FIELD']);
    const v2 = await t.post('/v2/events', { name: 'zero', session: { id: '0:1' } });
    expect([v2.status, v2.body.error.code]).toEqual([400, 'INVALID_SESSION_ID']);
  });

  it('refuses script and data URLs as page URLs, drops them as referrers, keeps app URLs', async () => {
    const device = '781';
    const bad = [
      'javascript:alert(1)',
      'JavaScript://x/%0aalert(1)',
      ' vbscript:msgbox(1)',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      'mailto:a@example.com',
    ];
    const r = await t.post(
      '/capture/v1/batch',
      batch(
        [
          ...bad.map((url, i) => good(`url${i}`, { type: 'navigate', url, properties: {} })),
          good('app', { type: 'navigate', url: 'app://shop/cart', properties: {} }),
        ],
        { device_id: device, context: { initial_referrer: 'javascript:alert(document.cookie)' } },
      ),
    );
    expect(r.status).toBe(207);
    expect(r.body.rejected.map((x: { code: string }) => x.code)).toEqual(bad.map(() => 'INVALID_URL'));
    const rows = await t.gql(`{ events(filter: { deviceId: "${device}" }) { nodes { sourceProperties } } }`);
    expect(rows.body.data.events.nodes.map((n: any) => [n.sourceProperties.url.full_url, n.sourceProperties.initial_referrer])).toEqual([
      ['app://shop/cart', null],
    ]);

    const v2 = await t.post('/v2/events', { name: 'js', session: { id: '1:2' }, context: { browser: { url: 'javascript:alert(1)' } } });
    expect([v2.status, v2.body.error.code]).toEqual([400, 'INVALID_URL']);
    const referrer = await t.post('/v2/events', {
      name: 'js-referrer',
      session: { id: '782:1' },
      context: { browser: { url: 'https://shop.example/', initial_referrer: 'javascript:alert(1)' } },
    });
    expect(referrer.status).toBe(200);
    const stored = await t.gql(`{ events(filter: { deviceId: "782" }) { nodes { sourceProperties } } }`);
    expect(stored.body.data.events.nodes[0].sourceProperties.initial_referrer).toBeUndefined();
  });

  it('does not take the HTTP User-Agent header as a mobile device’s user agent', async () => {
    const mobile = {
      source_type: 'mobile_app',
      context: { app: { name: 'Shop', version: '2.1.0' }, device: { manufacturer: 'Apple', model: 'iPhone15,2' } },
    };
    const headers = { 'user-agent': 'curl/8.5.0' };
    const sent = await t.post(
      '/capture/v1/batch',
      batch([good('m1', { type: 'navigate', url: 'app://shop/cart', properties: {} })], { ...mobile, device_id: '783' }),
      { headers },
    );
    expect(sent.status).toBe(202);
    const withOwn = { ...mobile, context: { ...mobile.context, user_agent: 'Shop/2.1.0 (iPhone; iOS 17.4)' } };
    await t.post('/capture/v1/batch', batch([good('m2')], { ...withOwn, device_id: '784' }), { headers });
    await t.post('/capture/v1/batch', batch([good('w1')], { device_id: '785' }), { headers });
    const userAgent = async (device: string) =>
      (await t.gql(`{ events(filter: { deviceId: "${device}" }) { nodes { sourceProperties } } }`)).body.data.events.nodes[0]
        .sourceProperties.user_agent;
    expect(await userAgent('783')).toBeNull();
    expect((await userAgent('784')).raw_user_agent).toBe('Shop/2.1.0 (iPhone; iOS 17.4)');
    expect((await userAgent('785')).raw_user_agent).toBe('curl/8.5.0');
  });
});

describe('rate limits per key', () => {
  // Rate 1 (a bucket of 2 events): the refill during a test is negligible, whatever the machine.
  it('answers 429 with Retry-After once a key exceeds its rate', async () => {
    const limited = await startTestApp({ env: { TRIBUTARY_CAPTURE_RATE_LIMIT: '1' }, db: t.db });
    try {
      expect((await limited.post('/capture/v1/batch', batch([good('rl1', { seq: 1 }), good('rl2', { seq: 2 })]))).status).toBe(202);
      const r = await limited.post('/capture/v1/batch', batch([good('rl-over', { seq: 99 }), good('rl-over2', { seq: 100 })]));
      expect([r.status, r.body.error.code]).toEqual([429, 'RATE_LIMITED']);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
    }
  });

  it('lets a batch larger than the bucket pass once the bucket is full (at rate 100, 300 events)', async () => {
    const limited = await startTestApp({ env: { TRIBUTARY_CAPTURE_RATE_LIMIT: '100' }, db: t.db });
    try {
      const native = await limited.post(
        '/capture/v1/batch',
        batch(
          Array.from({ length: 300 }, (_, i) => good(`big${i}`, { seq: i })),
          { device_id: '786' },
        ),
      );
      expect([native.status, native.body.accepted]).toEqual([202, 300]);
    } finally {
      await limited.close();
    }
  });

  it('charges every endpoint through one bucket, which a large batch leaves in debt', async () => {
    const limited = await startTestApp({ env: { TRIBUTARY_CAPTURE_RATE_LIMIT: '1' }, db: t.db });
    try {
      const requests = Array.from({ length: 250 }, (_, i) => ({ name: `big-batch-${i}`, session: { id: '787:1' } }));
      const r = await limited.post('/v2/events/batch', { requests });
      expect([r.status, r.body.job.status]).toEqual([200, 'COMPLETED']);
      // 248 events of debt: every endpoint of this key waits until they are paid
      const native = await limited.post('/capture/v1/batch', batch([good('after-big')], { device_id: '787' }));
      expect([native.status, native.body.error.code]).toEqual([429, 'RATE_LIMITED']);
      expect(Number(native.headers.get('retry-after'))).toBeGreaterThan(200);
      for (const [path, body] of [
        ['/v2/events', { name: 'after-big-batch', session: { id: '787:1' } }],
        ['/v2/users', { uid: 'after-big-batch' }],
      ] as const) {
        const refused = await limited.post(path, body);
        expect([path, refused.status, refused.body.error.code]).toEqual([path, 429, 'RATE_LIMITED']);
      }
    } finally {
      await limited.close();
    }
  });
});
