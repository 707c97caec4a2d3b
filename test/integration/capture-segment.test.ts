/**
 * The Segment-compatible HTTP API (issue #15): the unmodified @segment/analytics-node sends every
 * call type to the server, the rows land in a warehouse after a sync, and the mapping rules
 * (devices, sessions, views, clock skew, deduplication, partial batches) hold for raw requests.
 */
import { Analytics } from '@segment/analytics-node';
import { gzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignSessions, SESSION_GAP_MS } from '../../server/capture/segment/routes.ts';
import { deviceIdForAnonymousId, deviceIdForUser, viewIdForPage } from '../../server/events/ids.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { queryDuckdb } from '../support/duckdb.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

async function send(path: string, body: unknown, key: string = t.org.keys.capture) {
  return t.post(path, body, { key: null, headers: { authorization: basic(key) } });
}

async function storeRows(filter: Record<string, unknown>) {
  const r = await t.gql(
    `query($f: EventFilter) { events(first: 500, filter: $f) { nodes { eventId eventTime deviceId sessionId viewId eventType eventProperties sourceType sourceProperties } } }`,
    { f: filter },
  );
  expect(r.body.errors).toBeUndefined();
  return (r.body.data.events.nodes as any[]).sort((a, b) => a.eventTime.localeCompare(b.eventTime) || a.eventId.localeCompare(b.eventId));
}

async function syncAll() {
  await t.db.rows(sql`update destinations set next_run_time = now() - interval '1 second' where org_id = ${t.org.orgId} and enabled`);
  await t.app.sync.scheduler.runDue();
}

describe('Segment-compatible API through @segment/analytics-node', () => {
  it('sends every call type; the warehouse rows after a sync are checked row by row', async () => {
    const created = await t.gql(
      `mutation($i: DestinationInput!) { createDestination(input: $i) { ... on DestinationCreated { data { id } } ... on AppError { code message } } }`,
      { i: { name: 'duck', pluginId: 'duckdb', config: { path: 'segment.duckdb' } } },
    );
    expect(created.body.data.createDestination.data.id).toBeTruthy();

    const analytics = new Analytics({ writeKey: t.org.keys.capture, host: t.url, flushAt: 50, flushInterval: 60_000, maxRetries: 0 });
    const failures: unknown[] = [];
    analytics.on('error', (e) => failures.push(e));
    const base = Date.now() - 60_000;
    const at = (s: number) => new Date(base + s * 1000);
    const app = { name: 'Shop', version: '2.1.0', build: '210', namespace: 'com.example.shop' };
    const mobile = {
      app,
      os: { name: 'iOS', version: '17.2' },
      device: { manufacturer: 'Apple', model: 'iPhone15,2', type: 'ios' },
      screen: { width: 1179, height: 2556 },
      locale: 'de-DE',
      timezone: 'Europe/Berlin',
    };
    // typed loosely: the library's ExtraContext types location.latitude as a string, the spec as a number
    const web: any = {
      page: { url: 'https://shop.example/pricing?plan=pro#faq', title: 'Pricing', referrer: 'https://www.google.com/' },
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36',
      ip: '203.0.113.9',
      location: { city: 'Berlin', country: 'DE', latitude: 52.52, longitude: 13.405 },
    };

    analytics.page({
      anonymousId: 'anon-web-1',
      name: 'Pricing',
      category: 'Docs',
      properties: { plan: 'pro' },
      context: web,
      timestamp: at(0),
      messageId: 'n-page',
    });
    analytics.track({
      anonymousId: 'anon-web-1',
      event: 'Plan Selected',
      properties: { plan: 'pro', seats: 3 },
      context: web,
      timestamp: at(10),
      messageId: 'n-track',
    });
    analytics.identify({
      anonymousId: 'anon-web-1',
      userId: 'user-ada',
      traits: { email: 'ada@example.com', name: 'Ada L', plan: 'pro' },
      context: web,
      timestamp: at(20),
      messageId: 'n-identify',
    });
    analytics.screen({
      anonymousId: 'anon-app-1',
      name: 'Checkout Screen',
      properties: { step: 2 },
      context: mobile,
      timestamp: at(30),
      messageId: 'n-screen',
    });
    analytics.group({
      userId: 'user-ada',
      groupId: 'org-42',
      traits: { name: 'Acme', plan: 'enterprise' },
      timestamp: at(40),
      messageId: 'n-group',
    });
    analytics.alias({ userId: 'user-ada', previousId: 'anon-web-1', timestamp: at(50), messageId: 'n-alias' });
    analytics.track({
      userId: 'user-bob',
      event: 'Invoice Paid',
      properties: { amount: 99.5 },
      timestamp: at(55),
      messageId: 'n-server-track',
    });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(failures).toEqual([]);

    await syncAll();
    const rows: Record<string, any>[] = (
      await queryDuckdb<Record<string, any>>(
        `${t.config.destinationFilesDir}/segment.duckdb`,
        `select event_id, epoch_ms(event_time) as ms, device_id::varchar as device_id, session_id::varchar as session_id, view_id::varchar as view_id,
           event_type, source_type, event_properties::varchar as ep, source_properties::varchar as sp
         from events order by event_time`,
      )
    ).map((r) => ({ ...r, ms: Number(r.ms), ep: JSON.parse(r.ep), sp: JSON.parse(r.sp) }));

    const webDevice = deviceIdForAnonymousId(t.org.orgId, 'anon-web-1');
    const appDevice = deviceIdForAnonymousId(t.org.orgId, 'anon-app-1');
    // times are corrected by the clock skew sentAt shows (the flush came a few ms after the calls): to the second here
    const webSession = String(rows[0]!.ms);
    expect(rows.map((r) => [r.event_type, r.source_type, r.device_id, r.session_id, Math.round((r.ms - base) / 1000)])).toEqual([
      // a session begins with its first event, its id that event's epoch milliseconds
      ['navigate', 'web', webDevice, webSession, 0],
      ['custom', 'web', webDevice, webSession, 10],
      ['identify', 'web', webDevice, webSession, 20],
      ['navigate', 'mobile_app', appDevice, String(rows[3]!.ms), 30],
      // a user alone: their last known device (the identify joined user-ada to the web device); server messages have no session
      ['custom', 'server', webDevice, null, 40],
      ['custom', 'server', webDevice, null, 50],
      // a user never seen: the device derived from the uid, as the v2 API does
      ['custom', 'server', deviceIdForUser(t.org.orgId, 'user-bob'), null, 55],
    ]);
    const [page, track, identify, screen, group, alias, serverTrack] = rows as [any, any, any, any, any, any, any];
    const library = { name: '@segment/analytics-node', version: expect.any(String) };

    // a page in a session is a view: its calls and the messages sent from it share it
    expect(page.view_id).toBe(viewIdForPage(t.org.orgId, webDevice, webSession, 'https://shop.example/pricing?plan=pro#faq'));
    // analytics-node copies the category into the properties too
    expect(page.ep).toEqual({
      navigate_reason: 'navigate',
      name: 'Pricing',
      category: 'Docs',
      properties: { plan: 'pro', category: 'Docs' },
      message_id: 'n-page',
      event_definition_id: null,
      additional_event_definition_ids: [],
    });
    expect(page.sp).toMatchObject({
      entrypoint: 'POST /v1/batch',
      origin: 'dom',
      integration: '@segment/analytics-node',
      sdk: library,
      title: 'Pricing',
      url: { full_url: 'https://shop.example/pricing?plan=pro#faq', host: 'shop.example', path: '/pricing', query: '?plan=pro' },
      user_agent: { raw_user_agent: web.userAgent, browser: 'Chrome' },
      initial_referrer: { host: 'www.google.com' },
      location: { ip_address: '203.0.113.9', city: 'Berlin', country: 'DE', latitude: 52.52, longitude: 13.405, lat_long: '52.52,13.405' },
      segment: { type: 'page', anonymous_id: 'anon-web-1', user_id: null },
    });

    expect(track.view_id).toBe(page.view_id);
    expect(identify.view_id).toBe(page.view_id);
    // server messages have no session, so no page view
    expect([group.view_id, alias.view_id, serverTrack.view_id]).toEqual([null, null, null]);
    expect(track.ep).toMatchObject({ event_name: 'Plan Selected', properties: { plan: 'pro', seats: 3 } });
    expect(track.sp).toMatchObject({ url: { path: '/pricing' }, segment: { type: 'track' } });
    // the message's own id goes with its event
    expect(track.ep.message_id).toBe('n-track');

    expect(identify.ep).toMatchObject({
      user_id: 'user-ada',
      user_email: 'ada@example.com',
      user_display_name: 'Ada L',
      user_properties: { plan: 'pro' },
    });
    expect(identify.sp.segment).toEqual({ type: 'identify', anonymous_id: 'anon-web-1', user_id: 'user-ada' });
    expect(identify.ep.message_id).toBe('n-identify');

    expect(screen.view_id).toMatch(/^\d+$/);
    expect(screen.view_id).not.toBe(page.view_id);
    expect(screen.ep).toMatchObject({ navigate_reason: 'navigate', name: 'Checkout Screen' });
    expect(screen.ep.properties).toMatchObject({ step: 2 });
    expect(screen.sp).toMatchObject({
      url: { full_url: 'app://com.example.shop/Checkout%20Screen', host: 'com.example.shop', path: '/Checkout%20Screen' },
      title: 'Checkout Screen',
      app: { name: 'Shop', version: '2.1.0', build: '210', package_name: 'com.example.shop' },
      os: { name: 'iOS', version: '17.2' },
      device: { manufacturer: 'Apple', model: 'iPhone15,2', type: 'ios', screen_width: 1179, screen_height: 2556 },
      locale: 'de-DE',
      timezone: 'Europe/Berlin',
      user_agent: null,
    });

    expect(group.ep).toMatchObject({
      event_name: '$group',
      properties: { group_id: 'org-42', traits: { name: 'Acme', plan: 'enterprise' } },
    });
    expect(group.sp).toMatchObject({
      origin: 'server',
      integration: '@segment/analytics-node',
      segment: { type: 'group', user_id: 'user-ada' },
    });
    expect(alias.ep).toMatchObject({ event_name: '$alias', properties: { user_id: 'user-ada', previous_id: 'anon-web-1' } });
    expect(serverTrack.ep).toMatchObject({ event_name: 'Invoice Paid', properties: { amount: 99.5 } });

    // the identify joined user-ada to the web device
    const user = await t.db.rows<{ device_id: string }>(
      sql`select device_id::text from users where org_id = ${t.org.orgId} and uid = 'user-ada'`,
    );
    expect(user).toEqual([{ device_id: webDevice }]);
  });
});

describe('Segment-compatible API mapping', () => {
  it('answers every single-call path and the one-letter paths of analytics.js, with Basic credentials', async () => {
    const calls: [string, Record<string, unknown>][] = [
      ['/v1/track', { event: 'E' }],
      ['/v1/t', { event: 'E' }],
      ['/v1/identify', { userId: 'u-1', traits: {} }],
      ['/v1/i', { userId: 'u-1' }],
      ['/v1/page', { name: 'Home' }],
      ['/v1/p', {}],
      ['/v1/screen', { name: 'Home' }],
      ['/v1/s', { name: 'Home' }],
      ['/v1/group', { groupId: 'g' }],
      ['/v1/g', { groupId: 'g' }],
      ['/v1/alias', { userId: 'u-1', previousId: 'p' }],
      ['/v1/a', { userId: 'u-1', previousId: 'p' }],
    ];
    for (const [path, body] of calls) {
      const r = await send(path, { anonymousId: 'paths-1', ...body });
      expect({ path, status: r.status, body: r.body }).toEqual({ path, status: 202, body: { accepted: 1, duplicates: 0, rejected: [] } });
    }
    for (const path of ['/v1/batch', '/v1/b', '/v1/import']) {
      expect((await send(path, { batch: [{ type: 'track', event: 'B', anonymousId: 'paths-1' }] })).status).toBe(202);
    }
    const rows = await storeRows({ deviceId: deviceIdForAnonymousId(t.org.orgId, 'paths-1') });
    expect(rows).toHaveLength(calls.length + 3);
    expect(new Set(rows.map((r) => r.sourceProperties.entrypoint))).toEqual(
      new Set([...calls.map(([p]) => `POST ${p}`), 'POST /v1/batch', 'POST /v1/b', 'POST /v1/import']),
    );
    // a bare key after Basic (as the v2 clients send) and Bearer work too; an analyst key writes nothing
    expect(
      (
        await t.post(
          '/v1/track',
          { anonymousId: 'a', event: 'E' },
          { key: null, headers: { authorization: `Basic ${t.org.keys.capture}` } },
        )
      ).status,
    ).toBe(202);
    expect((await t.post('/v1/track', { anonymousId: 'a', event: 'E' })).status).toBe(202);
    expect(await send('/v1/track', { anonymousId: 'a', event: 'E' }, t.org.keys.analyst)).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    });
    expect(await send('/v1/track', { anonymousId: 'a', event: 'E' }, 'tc_nope')).toMatchObject({
      status: 401,
      body: { error: { code: 'INVALID_API_KEY' } },
    });
    expect(await t.post('/v1/track', { anonymousId: 'a', event: 'E' }, { key: null })).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED' } },
    });
    expect(await t.post('/v1/nothing', {}, { key: null })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('serves the settings a Segment library fetches from its CDN host, naming this server as the API host', async () => {
    const get = (key: string) => fetch(`${t.url}/v1/projects/${encodeURIComponent(key)}/settings`);
    const r = await get(t.org.keys.capture);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({
      integrations: { 'Segment.io': { apiKey: t.org.keys.capture, apiHost: `${new URL(t.url).host}/v1`, protocol: 'http' } },
      metrics: { sampleRate: 0 },
    });
    expect(await (await get('tc_unknown')).json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such write key' } });
    expect((await get('tc_unknown')).status).toBe(404);
    const secret = await get(t.org.keys.admin);
    expect([secret.status, (await secret.json()).error.code]).toEqual([400, 'SECRET_KEY_IN_URL']);
    expect((await fetch(`${t.url}/v1/projects/x/settings`, { method: 'POST' })).status).toBe(405);
  });

  it('reads gzip bodies as analytics-kotlin sends them, and refuses one that inflates past the limit', async () => {
    const post = (body: Buffer, encoding: string) =>
      fetch(`${t.url}/v1/b`, {
        method: 'POST',
        headers: { authorization: basic(t.org.keys.capture), 'content-type': 'text/plain', 'content-encoding': encoding },
        body: new Uint8Array(body),
      });
    const batch = {
      batch: [
        {
          type: 'screen',
          name: 'Home',
          anonymousId: 'gzip-1',
          context: {
            app: { namespace: 'com.example.android' },
            os: { name: 'Android' },
            library: { name: 'analytics-kotlin', version: '1.19.0' },
          },
        },
      ],
    };
    const ok = await post(gzipSync(JSON.stringify(batch)), 'gzip');
    expect([ok.status, await ok.json()]).toEqual([202, { accepted: 1, duplicates: 0, rejected: [] }]);
    const [row] = await storeRows({ deviceId: deviceIdForAnonymousId(t.org.orgId, 'gzip-1') });
    expect(row).toMatchObject({
      sourceType: 'mobile_app',
      sourceProperties: { integration: 'analytics-kotlin', url: { full_url: 'app://com.example.android/Home' } },
    });
    // 1 KiB of gzip inflating to 4 MiB
    const bomb = await post(gzipSync(JSON.stringify({ batch: [], pad: ' '.repeat(4 * 1024 * 1024) })), 'gzip');
    expect([bomb.status, (await bomb.json()).error.code]).toEqual([413, 'BODY_TOO_LARGE']);
    const broken = await post(Buffer.from('not gzip at all'), 'gzip');
    expect([broken.status, (await broken.json()).error.code]).toEqual([400, 'INVALID_ENCODING']);
    const other = await post(Buffer.from('{}'), 'br');
    expect([other.status, (await other.json()).error.code]).toEqual([415, 'UNSUPPORTED_ENCODING']);
  });

  it('stores a message once per messageId, and keeps a device per anonymousId, collision-checked', async () => {
    const batch = {
      batch: [
        { type: 'track', event: 'Once', anonymousId: 'dedup-1', messageId: 'm-once-1' },
        { type: 'track', event: 'Once', anonymousId: 'dedup-1', messageId: 'm-once-2' },
      ],
    };
    expect((await send('/v1/batch', batch)).body).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    expect((await send('/v1/batch', batch)).body).toEqual({ accepted: 2, duplicates: 2, rejected: [] });
    expect((await send('/v1/track', batch.batch[0])).body).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    expect(await storeRows({ deviceId: deviceIdForAnonymousId(t.org.orgId, 'dedup-1') })).toHaveLength(2);
    // an empty messageId names no message: each is stored
    const unnamed = { type: 'track', event: 'Unnamed', anonymousId: 'dedup-2', messageId: '' };
    expect((await send('/v1/batch', { batch: [unnamed, unnamed] })).body).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    expect(await storeRows({ deviceId: deviceIdForAnonymousId(t.org.orgId, 'dedup-2') })).toHaveLength(2);

    // a candidate device already recorded for another anonymousId is never shared: the next candidate is taken
    const taken = deviceIdForAnonymousId(t.org.orgId, 'collide-me');
    await t.db.rows(
      sql`insert into anonymous_devices (org_id, anonymous_id, device_id) values (${t.org.orgId}, 'someone-else', ${taken}::bigint)`,
    );
    expect((await send('/v1/track', { anonymousId: 'collide-me', event: 'C' })).status).toBe(202);
    const next = deviceIdForAnonymousId(t.org.orgId, 'collide-me', 1);
    expect(next).not.toBe(taken);
    expect(await storeRows({ deviceId: next })).toHaveLength(1);
    expect(await storeRows({ deviceId: taken })).toHaveLength(0);
    // and kept for good
    expect((await send('/v1/track', { anonymousId: 'collide-me', event: 'C2' })).status).toBe(202);
    expect(await storeRows({ deviceId: next })).toHaveLength(2);
  });

  it('derives sessions per device: 30 minutes of inactivity in event time, late events included', async () => {
    const t0 = Date.now() - 6 * 3600_000;
    const msg = (s: number, event: string) => ({
      type: 'track',
      event,
      anonymousId: 'sess-1',
      context: { page: { url: 'https://s.example/' } },
      timestamp: new Date(t0 + s * 1000).toISOString(),
    });
    expect((await send('/v1/batch', { batch: [msg(0, 'a'), msg(29 * 60, 'b'), msg(60 * 60, 'c')] })).status).toBe(202);
    // a later request: 20 minutes after c continues its session; a late event 10 minutes after b joins b's
    expect((await send('/v1/track', msg(80 * 60, 'd'))).status).toBe(202);
    expect((await send('/v1/track', msg(39 * 60, 'late'))).status).toBe(202);
    // two requests of one device at once still share the session (per-device lock)
    await Promise.all([send('/v1/track', msg(200 * 60, 'x')), send('/v1/track', msg(201 * 60, 'y'))]);
    const rows = await storeRows({ deviceId: deviceIdForAnonymousId(t.org.orgId, 'sess-1') });
    const sessionOf = Object.fromEntries(rows.map((r) => [r.eventProperties.event_name, r.sessionId]));
    expect(sessionOf).toEqual({
      a: String(t0),
      b: String(t0),
      late: String(t0),
      c: String(t0 + 60 * 60_000),
      d: String(t0 + 60 * 60_000),
      x: String(t0 + 200 * 60_000),
      y: String(t0 + 200 * 60_000),
    });
  });

  it('assigns sessions by nearest span, never merging two', () => {
    const gap = SESSION_GAP_MS;
    const known = [
      { deviceId: '1', sessionId: '100', firstMs: 0, lastMs: 10 * 60_000 },
      { deviceId: '1', sessionId: '200', firstMs: 50 * 60_000, lastMs: 60 * 60_000 },
    ];
    // 20 minutes from each: the earlier; 15 before the second (25 after the first): the nearer; another device: a new session
    expect(
      assignSessions(
        [
          { deviceId: '1', ms: 30 * 60_000 },
          { deviceId: '2', ms: 5 },
        ],
        known,
        gap,
      ),
    ).toEqual(['100', '5']);
    expect(assignSessions([{ deviceId: '1', ms: 35 * 60_000 }], known, gap)).toEqual(['200']);
    // an event joins a session it is within 30 minutes of, and the session grows with it
    expect(
      assignSessions(
        [
          { deviceId: '1', ms: 30 * 60_000 },
          { deviceId: '1', ms: 35 * 60_000 },
        ],
        known,
        gap,
      ),
    ).toEqual(['100', '100']);
    // more than 30 minutes from both: a new session, its id the event's milliseconds
    expect(assignSessions([{ deviceId: '1', ms: 100 * 60_000 }], known, gap)).toEqual([String(100 * 60_000)]);
  });

  it('corrects the device clock by sentAt against the server clock', async () => {
    const now = Date.now();
    const skew = 3 * 3600_000; // the device clock is three hours ahead
    const r = await send('/v1/batch', {
      sentAt: new Date(now + skew).toISOString(),
      batch: [
        { type: 'track', event: 'skewed', anonymousId: 'skew-1', timestamp: new Date(now + skew - 60_000).toISOString() },
        // originalTimestamp is the device time of the call when both are given (RudderStack sends it)
        {
          type: 'track',
          event: 'original',
          anonymousId: 'skew-1',
          originalTimestamp: new Date(now + skew - 120_000).toISOString(),
          timestamp: 'ignored',
        },
        // a message's own sentAt wins over the batch's
        {
          type: 'track',
          event: 'own-sent',
          anonymousId: 'skew-1',
          timestamp: new Date(now - 30_000).toISOString(),
          sentAt: new Date(now).toISOString(),
        },
      ],
    });
    expect(r.body).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    const rows = await storeRows({ deviceId: deviceIdForAnonymousId(t.org.orgId, 'skew-1') });
    const time = Object.fromEntries(rows.map((row) => [row.eventProperties.event_name, Date.parse(row.eventTime)]));
    expect(Math.abs(time.skewed - (now - 60_000))).toBeLessThan(5_000);
    expect(Math.abs(time.original - (now - 120_000))).toBeLessThan(5_000);
    expect(Math.abs(time['own-sent'] - (now - 30_000))).toBeLessThan(5_000);
  });

  it('keeps the valid messages of a mixed batch and answers each refusal with its code; limits as the native endpoint', async () => {
    const r = await send('/v1/batch', {
      batch: [
        { type: 'track', event: 'ok-1', anonymousId: 'mixed-1' },
        { type: 'hover', anonymousId: 'mixed-1' },
        { type: 'track', anonymousId: 'mixed-1' },
        { type: 'track', event: 'no-ids' },
        'not an object',
        { type: 'page', anonymousId: 'mixed-1', context: { page: { url: 'javascript:alert(1)' } } },
        { type: 'track', event: 'future', anonymousId: 'mixed-1', timestamp: new Date(Date.now() + 3 * 86_400_000).toISOString() },
        { type: 'track', event: 'bad-time', anonymousId: 'mixed-1', timestamp: 'yesterday' },
        { type: 'track', event: 'big', anonymousId: 'mixed-1', properties: { s: 'x'.repeat(40_000) } },
        { type: 'group', anonymousId: 'mixed-1' },
        { type: 'alias', userId: 'u' },
        { type: 'track', event: 'bad-id', anonymousId: { nested: true } },
        { type: 'identify', anonymousId: 'mixed-1', traits: { plan: 'free' } },
      ],
    });
    expect(r.status).toBe(207);
    expect(r.body.accepted).toBe(2);
    expect(r.body.rejected.map((x: any) => [x.index, x.code])).toEqual([
      [1, 'UNKNOWN_EVENT_TYPE'],
      [2, 'MISSING_FIELD'],
      [3, 'MISSING_FIELD'],
      [4, 'INVALID_EVENT'],
      [5, 'INVALID_URL'],
      [6, 'TIMESTAMP_IN_FUTURE'],
      [7, 'INVALID_TIMESTAMP'],
      [8, 'PROPERTIES_TOO_LARGE'],
      [9, 'MISSING_FIELD'],
      [10, 'MISSING_FIELD'],
      [11, 'INVALID_FIELD'],
    ]);
    const rows = await storeRows({ deviceId: deviceIdForAnonymousId(t.org.orgId, 'mixed-1') });
    // an anonymous identify has no user: its traits are kept as a custom event
    expect(rows.map((row) => [row.eventType, row.eventProperties.event_name])).toEqual([
      ['custom', 'ok-1'],
      ['custom', '$identify'],
    ]);
    expect(rows[1].eventProperties.properties).toEqual({ traits: { plan: 'free' } });

    expect(await send('/v1/track', { anonymousId: 'x' })).toMatchObject({ status: 400, body: { error: { code: 'MISSING_FIELD' } } });
    expect(await send('/v1/batch', { batch: 'nope' })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_BATCH' } } });
    expect(await send('/v1/batch', [1])).toMatchObject({ status: 400, body: { error: { code: 'INVALID_BATCH' } } });
    const many = { batch: Array.from({ length: 501 }, () => ({ type: 'track', event: 'm', anonymousId: 'many' })) };
    expect(await send('/v1/batch', many)).toMatchObject({ status: 413, body: { error: { code: 'BATCH_TOO_LARGE' } } });
    const huge = await t.post('/v1/track', undefined, {
      key: null,
      headers: { authorization: basic(t.org.keys.capture) },
      raw: JSON.stringify({ anonymousId: 'h', event: 'h', properties: { s: 'x'.repeat(1_100_000) } }),
    });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'BODY_TOO_LARGE' } } });
    expect(
      await t.post('/v1/track', undefined, { key: null, headers: { authorization: basic(t.org.keys.capture) }, raw: '{"event":' }),
    ).toMatchObject({ status: 400, body: { error: { code: 'INVALID_JSON' } } });
    expect(await storeRows({ deviceId: deviceIdForAnonymousId(t.org.orgId, 'many') })).toHaveLength(0);
  });
});
