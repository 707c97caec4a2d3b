import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimBatchJob, findBatchJobByIdempotencyKey } from '../../server/db/queries/batch-jobs.ts';
import { deviceIdForUser } from '../../server/processing/ids.ts';
import { createTestOrg, startTestApp, type TestApp, type TestOrg } from '../support/app.ts';

// The official client, unmodified: it reads NODE_ENV / FS_API_HOST when a client is initialised
// (in each API class constructor) and speaks plain http when the host says http:.
type FsClient = typeof import('@fullstory/server-api-client');
let fs: FsClient;
let t: TestApp;
let other: TestOrg;
let client: ReturnType<FsClient['init']>;

const UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36';

beforeAll(async () => {
  t = await startTestApp();
  other = await createTestOrg(t.db, 'other org');
  process.env.NODE_ENV = 'test';
  process.env.FS_API_HOST = t.url;
  fs = await import('@fullstory/server-api-client');
  // a server integration reads back its batch jobs and users: that takes a secret key
  client = fs.init({ apiKey: t.org.keys.architect });
});
afterAll(() => t.close());

async function eventsOf(filter: Record<string, unknown> = {}, key?: string) {
  const r = await t.gql(
    `query($f: EventFilter) { events(first: 500, filter: $f) { nodes { eventId eventTime deviceId sessionId viewId eventType eventProperties sourceType sourceProperties } } }`,
    { f: filter },
    key,
  );
  expect(r.body.errors).toBeUndefined();
  return r.body.data.events.nodes as any[];
}
const customNamed = async (name: string) => (await eventsOf({ eventType: 'custom' })).filter((e) => e.eventProperties.event_name === name);

async function raw(method: 'GET' | 'POST', path: string, body?: unknown, init: { key?: string; headers?: Record<string, string>; text?: string } = {}) {
  const response = await fetch(`${t.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Basic ${init.key ?? t.org.keys.capture}`, ...init.headers },
    body: method === 'GET' ? undefined : (init.text ?? JSON.stringify(body)),
  });
  const text = await response.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { status: response.status, body: parsed };
}

/** Runs a batch job of the official client to its `done` callback. */
function runJob(job: ReturnType<ReturnType<FsClient['init']>['events']['batchCreate']>) {
  return new Promise<{ id: string; imported: any[]; failed: any[] }>((resolve, reject) => {
    job.on('done', (imported, failed) => resolve({ id: job.getId()!, imported, failed }));
    job.on('abort', (errors) => reject(new Error(`job aborted: ${errors.map(String).join('; ')}`)));
    job.execute();
  });
}

/** A web session of a user captured by the native endpoint: identify, then a navigate. */
async function nativeSession(deviceId: string, sessionId: string, uid: string) {
  const now = Date.now();
  const r = await t.post('/capture/v1/batch', {
    sdk: { name: 'tributary-web', version: '0.1.0' },
    device_id: deviceId,
    session_id: sessionId,
    context: { user_agent: UA },
    events: [
      { id: `nav-${deviceId}`, seq: 1, view_id: '1', time: now - 2000, type: 'navigate', url: 'https://shop.example/' },
      { id: `id-${deviceId}`, seq: 2, view_id: '1', time: now - 1000, type: 'identify', properties: { user_id: uid, user_email: `${uid}@example.com` } },
    ],
  });
  expect(r.status).toBe(202);
  expect(r.body.accepted).toBe(2);
}

describe('server events API through the official client', () => {
  it('creates an event in a given session with its context in source_properties', async () => {
    const rsp = await client.events.withOptions({ integrationSource: 'crm-sync' }).create({
      body: {
        name: 'Support Ticket',
        timestamp: '2026-03-15T14:23:23+02:00',
        properties: { id: 424242, priority: 'Normal', event_name: 'kept' },
        session: { id: '123:456' },
        context: {
          browser: { url: 'https://shop.example/help?topic=billing#/ticket?x=1', user_agent: UA, initial_referrer: 'https://www.google.com/search?q=help' },
          mobile: { app_id: 'com.example.shop', app_version: '2.1.0', app_name: 'Shop', build_variant: 'release' },
          device: { manufacturer: 'Apple', model: 'iPhone15,2', screen_width: 1179, screen_height: 2556 },
          location: { country: 'DE', region: 'DE-BE', city: 'Berlin', latitude: 52.52, longitude: 13.405, ip_address: '203.0.113.7' },
        },
      },
    });
    expect(rsp.httpStatusCode).toBe(200);
    expect(rsp.body).toEqual({});
    const [row, ...more] = await customNamed('Support Ticket');
    expect(more).toHaveLength(0);
    expect(row).toMatchObject({ deviceId: '123', sessionId: '456', viewId: null, eventType: 'custom', sourceType: 'server', eventTime: '2026-03-15T12:23:23.000000Z' });
    expect(row.eventProperties).toMatchObject({ event_name: 'Support Ticket', properties: { id: 424242, priority: 'Normal', event_name: 'kept' } });
    expect(row.sourceProperties).toMatchObject({
      entrypoint: 'POST /v2/events',
      origin: 'server',
      integration: 'crm-sync',
      url: { host: 'shop.example', path: '/help', query: '?topic=billing', hash_path: '/ticket', hash_query: '?x=1' },
      user_agent: { raw_user_agent: UA, browser: 'Chrome' },
      initial_referrer: { host: 'www.google.com', path: '/search' },
      app: { name: 'Shop', version: '2.1.0', package_name: 'com.example.shop', build_variant: 'release' },
      device: { manufacturer: 'Apple', model: 'iPhone15,2', screen_width: 1179, screen_height: 2556 },
      location: { country: 'DE', region: 'DE-BE', city: 'Berlin', ip_address: '203.0.113.7', lat_long: '52.52,13.405' },
    });
  });

  it('resolves users: the most recent session within 30 minutes, else the known device, else a derived one', async () => {
    await nativeSession('9001', '77', 'alice');
    await nativeSession('9002', '88', 'dave');
    // dave's session ended an hour ago
    await t.db.rows(sql`update sessions set last_event_time = now() - interval '1 hour' where org_id = ${t.org.orgId} and device_id = 9002`);

    const send = (name: string, user: Record<string, string>, session?: Record<string, unknown>) =>
      client.events.create({ body: { name, user, ...(session ? { session } : {}) } });
    await send('recent-alice', { uid: 'alice' }, { use_most_recent: true });
    await send('recent-dave', { uid: 'dave' }, { use_most_recent: true });
    await send('recent-carol', { uid: 'carol' }, { use_most_recent: true });
    await send('user-alice', { uid: 'alice' });
    await send('user-bob', { uid: 'bob' });

    const one = async (name: string) => {
      const rows = await customNamed(name);
      expect(rows).toHaveLength(1);
      return rows[0];
    };
    expect(await one('recent-alice')).toMatchObject({ deviceId: '9001', sessionId: '77', viewId: null });
    expect(await one('recent-dave')).toMatchObject({ deviceId: '9002', sessionId: null, viewId: null });
    expect(await one('recent-carol')).toMatchObject({ deviceId: deviceIdForUser(t.org.orgId, 'carol'), sessionId: null });
    expect(await one('user-alice')).toMatchObject({ deviceId: '9001', sessionId: null, viewId: null });
    const bob = await one('user-bob');
    expect(bob).toMatchObject({ deviceId: deviceIdForUser(t.org.orgId, 'bob'), sessionId: null });
    expect(bob.sourceProperties).toMatchObject({ entrypoint: 'POST /v2/events', origin: 'server', integration: 'tributary-server-api' });
    // the event time defaults to the server clock
    expect(Math.abs(Date.parse(bob.eventTime) - Date.now())).toBeLessThan(60_000);
  });

  it('creates a user: an identify row on the user’s web device, readable back by id', async () => {
    await nativeSession('9101', '5', 'erin');
    const rsp = await client.users.create({ body: { uid: 'erin', display_name: 'Erin E', email: 'erin@example.com', properties: { plan: 'pro' } } });
    expect(rsp.httpStatusCode).toBe(200);
    const id = rsp.body!.id;
    expect(typeof id).toBe('string');
    // the id is stable for the uid
    expect((await client.users.create({ body: { uid: 'erin', properties: { seats: 3 } } })).body!.id).toBe(id);

    const rows = await eventsOf({ deviceId: '9101' });
    const identifies = rows.filter((e) => e.eventType === 'identify' && e.sourceType === 'server');
    expect(identifies).toHaveLength(2);
    const first = identifies.find((e) => e.eventProperties.user_display_name === 'Erin E');
    expect(first).toMatchObject({ sessionId: null, viewId: null, deviceId: '9101' });
    expect(first.eventProperties).toMatchObject({ user_id: 'erin', user_email: 'erin@example.com', user_properties: { plan: 'pro' } });
    expect(first.sourceProperties).toMatchObject({ entrypoint: 'POST /v2/users', origin: 'server', integration: 'tributary-server-api' });
    // joinable by device_id with the earlier web events of that user
    expect(rows.some((e) => e.eventType === 'navigate' && e.sourceType === 'web')).toBe(true);

    const got = await client.users.get({ id });
    expect(got.body).toMatchObject({ id, uid: 'erin', display_name: 'Erin E', email: 'erin@example.com', is_being_deleted: false, properties: { plan: 'pro', seats: 3 } });

    // a user never seen in a browser gets the derived device
    await client.users.create({ body: { uid: 'frank' } });
    const frank = (await eventsOf({ deviceId: deviceIdForUser(t.org.orgId, 'frank') })).filter((e) => e.eventType === 'identify');
    expect(frank).toHaveLength(1);
    // users of another organization are not found
    const elsewhere = await raw('GET', `/v2/users/${id}`, undefined, { key: other.keys.admin });
    expect(elsewhere).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('runs a batch job to done: a fully valid one reports its imports', async () => {
    const job = client.events.batchCreate(
      {
        body: {
          requests: [
            { name: 'batch-ok-1', session: { id: '700:1' }, timestamp: '2026-01-02T03:04:05Z', properties: { n: 1 } },
            { name: 'batch-ok-2', user: { uid: 'alice' } },
          ],
          shared: { context: { browser: { url: 'https://app.example/admin' } } },
        },
      },
      { pollInterval: 100 },
    );
    const { id, imported, failed } = await runJob(job);
    expect(failed).toEqual([]);
    expect(imported.map((i) => i.name)).toEqual(['batch-ok-1', 'batch-ok-2']);
    expect(imported[0]).toMatchObject({ timestamp: '2026-01-02T03:04:05.000Z', properties: { n: 1 }, session: { id: '700:1' }, context: { browser: { url: 'https://app.example/admin' } } });
    const status = await raw('GET', `/v2/events/batch/${id}`, undefined, { key: t.org.keys.admin });
    expect(status).toMatchObject({ status: 200, body: { imports: 2, errors: 0, job: { id, status: 'COMPLETED' } } });
    expect(typeof status.body.job.finished).toBe('string');
    const [ok1] = await customNamed('batch-ok-1');
    expect(ok1).toMatchObject({ deviceId: '700', sessionId: '1', sourceType: 'server' });
    expect(ok1.sourceProperties).toMatchObject({ entrypoint: 'POST /v2/events/batch', url: { host: 'app.example', path: '/admin' } });
  });

  it('runs a batch job with an invalid request to done: FAILED with its errors, the valid events stored', async () => {
    const job = client.events.batchCreate(
      {
        body: {
          requests: [
            { name: 'partial-ok', session: { id: '701:1' } },
            { properties: { no: 'name' }, session: { id: '701:1' } } as any,
            { name: 'partial-conflict', session: { id: '701:1', use_most_recent: true }, user: { uid: 'alice' } },
            { name: 'partial-ok-2', user: { uid: 'bob' } },
          ],
        },
      },
      { pollInterval: 100 },
    );
    const { id, failed } = await runJob(job);
    expect(failed.map((f) => f.code)).toEqual(['MISSING_FIELD', 'CONFLICTING_IDENTIFICATION']);
    expect(failed[0]).toMatchObject({ index: 1, event: { properties: { no: 'name' } } });
    expect(failed[0].message).toMatch(/name/);
    const status = await raw('GET', `/v2/events/batch/${id}`, undefined, { key: t.org.keys.architect });
    expect(status.body).toMatchObject({ imports: 2, errors: 2, job: { id, status: 'FAILED' } });
    expect(await customNamed('partial-ok')).toHaveLength(1);
    expect(await customNamed('partial-ok-2')).toHaveLength(1);
    expect(await customNamed('partial-conflict')).toHaveLength(0);
    const imports = await raw('GET', `/v2/events/batch/${id}/imports`, undefined, { key: t.org.keys.architect });
    expect(imports.body).toMatchObject({ total_records: '2', next_page_token: '' });
    expect(imports.body.results.map((r: any) => r.name)).toEqual(['partial-ok', 'partial-ok-2']);
  });

  it('stores a replay with the same Idempotency-Key once (single event and batch)', async () => {
    for (let i = 0; i < 3; i++) {
      const rsp = await client.events.create({ idempotencyKey: 'idem-single-1', body: { name: 'idem-single', session: { id: '800:1' } } });
      expect(rsp.httpStatusCode).toBe(200);
    }
    expect(await customNamed('idem-single')).toHaveLength(1);
    // the same key in another organization is another event
    await raw('POST', '/v2/events', { name: 'idem-single', session: { id: '800:1' } }, { key: other.keys.capture, headers: { 'idempotency-key': 'idem-single-1' } });
    expect(await customNamed('idem-single')).toHaveLength(1);
    expect((await eventsOf({ eventType: 'custom' }, other.keys.admin)).filter((e) => e.eventProperties.event_name === 'idem-single')).toHaveLength(1);

    const body = { requests: [{ name: 'idem-batch-a', session: { id: '801:1' } }, { name: 'idem-batch-b', user: { uid: 'bob' } }, { session: { id: '801:1' } }] };
    const first = await raw('POST', '/v2/events/batch', body, { headers: { 'idempotency-key': 'batch-key-1' } });
    const second = await raw('POST', '/v2/events/batch', body, { headers: { 'idempotency-key': 'batch-key-1' } });
    expect(first.status).toBe(200);
    expect(first.body.job.status).toBe('FAILED');
    expect(second).toEqual(first);
    expect(await customNamed('idem-batch-a')).toHaveLength(1);
    expect(await customNamed('idem-batch-b')).toHaveLength(1);
    const third = await raw('POST', '/v2/events/batch', body, { headers: { 'idempotency-key': 'batch-key-2' } });
    expect(third.body.job.id).not.toBe(first.body.job.id);
    expect(await customNamed('idem-batch-a')).toHaveLength(2);

    // concurrent retries of one key: one job, each event stored once
    const racing = { requests: [{ name: 'idem-race', session: { id: '802:1' } }] };
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => raw('POST', '/v2/events/batch', racing, { headers: { 'idempotency-key': 'batch-race' } })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(answers.map((a) => a.body.job.id)).size).toBe(1);
    expect(await customNamed('idem-race')).toHaveLength(1);
    // the claim that settles a true race: a second claim of a key inserts nothing
    const claim = () => claimBatchJob(t.db, { id: randomUUID(), orgId: t.org.orgId, idempotencyKey: 'claim-twice' });
    const [a, b] = await Promise.all([claim(), claim()]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect((await findBatchJobByIdempotencyKey(t.db, t.org.orgId, 'claim-twice'))?.id).toBe((a ?? b)!.id);
  });

  it('surfaces Tributary errors through the client’s FSApiError', async () => {
    const error = await client.events.create({ body: { name: 'nobody' } }).then(
      () => undefined,
      (e: unknown) => e as any,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.httpStatusCode).toBe(400);
    expect(error.error).toMatchObject({ code: 'MISSING_IDENTIFICATION' });
    expect(error.fsErrorPayload).toContain('MISSING_IDENTIFICATION');
  });
});

describe('server events API bad input', () => {
  it('rejects malformed JSON, missing names, conflicting identification and bad timestamps with codes', async () => {
    expect(await raw('POST', '/v2/events', undefined, { text: '{"name": ' })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_JSON' } } });
    expect(await raw('POST', '/v2/events', [1, 2])).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST' } } });
    expect(await raw('POST', '/v2/events', { session: { id: '1:2' } })).toMatchObject({ status: 400, body: { error: { code: 'MISSING_FIELD' } } });
    expect(await raw('POST', '/v2/events', { name: 'x', session: { id: '1:2', use_most_recent: true }, user: { uid: 'a' } })).toMatchObject({
      status: 400,
      body: { error: { code: 'CONFLICTING_IDENTIFICATION' } },
    });
    expect(await raw('POST', '/v2/events', { name: 'x', session: { id: '1:2', use_most_recent: true } })).toMatchObject({
      status: 400,
      body: { error: { code: 'CONFLICTING_IDENTIFICATION' } },
    });
    expect(await raw('POST', '/v2/events', { name: 'x', session: { use_most_recent: true } })).toMatchObject({ status: 400, body: { error: { code: 'MISSING_IDENTIFICATION' } } });
    expect(await raw('POST', '/v2/events', { name: 'x', session: { id: 'abc' } })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_SESSION_ID' } } });
    expect(await raw('POST', '/v2/events', { name: 'x', session: { id: '1:2' }, timestamp: 'yesterday' })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_TIMESTAMP' } } });
    const future = new Date(Date.now() + 3 * 86_400_000).toISOString();
    expect(await raw('POST', '/v2/events', { name: 'x', session: { id: '1:2' }, timestamp: future })).toMatchObject({ status: 400, body: { error: { code: 'TIMESTAMP_IN_FUTURE' } } });
    expect(await raw('POST', '/v2/events', { name: 'x', session: { id: '1:2' }, context: { browser: { url: 'not a url' } } })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_URL' } } });
    expect(await raw('POST', '/v2/users', { display_name: 'no uid' })).toMatchObject({ status: 400, body: { error: { code: 'MISSING_FIELD' } } });
    // nothing of the above was stored
    expect(await customNamed('x')).toHaveLength(0);
  });

  it('limits batches and rejects a request with its own context under shared.context', async () => {
    const many = { requests: Array.from({ length: 1001 }, (_, i) => ({ name: `m${i}`, session: { id: '1:2' } })) };
    expect(await raw('POST', '/v2/events/batch', many)).toMatchObject({ status: 413, body: { error: { code: 'BATCH_TOO_LARGE' } } });
    const huge = { requests: [{ name: 'h', session: { id: '1:2' }, properties: { s: 'x'.repeat(6 * 1024 * 1024) } }] };
    expect(await raw('POST', '/v2/events/batch', huge)).toMatchObject({ status: 413, body: { error: { code: 'BODY_TOO_LARGE' } } });
    expect(await raw('POST', '/v2/events/batch', { requests: [] })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_BATCH' } } });
    expect(await raw('POST', '/v2/events/batch', { requests: 'nope' })).toMatchObject({ status: 400, body: { error: { code: 'INVALID_BATCH' } } });

    const r = await raw('POST', '/v2/events/batch', {
      requests: [
        { name: 'shared-ok', session: { id: '900:1' } },
        { name: 'shared-own', session: { id: '900:1' }, context: { browser: { url: 'https://own.example/' } } },
      ],
      shared: { context: { browser: { url: 'https://shared.example/' } } },
    });
    expect(r.status).toBe(200);
    expect(r.body.job.status).toBe('FAILED');
    const errors = await raw('GET', `/v2/events/batch/${r.body.job.id}/errors`, undefined, { key: t.org.keys.admin });
    expect(errors.body).toMatchObject({ total_records: '1', next_page_token: '', results: [{ code: 'CONTEXT_CONFLICT', index: 1, event: { name: 'shared-own' } }] });
    const [ok] = await customNamed('shared-ok');
    expect(ok.sourceProperties.url.host).toBe('shared.example');
  });

  it('answers NOT_FOUND for unknown jobs and jobs of another organization; checks roles', async () => {
    const admin = { key: t.org.keys.admin };
    expect(await raw('GET', '/v2/events/batch/00000000-0000-4000-8000-000000000000', undefined, admin)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await raw('GET', '/v2/events/batch/not-a-job/errors', undefined, admin)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    const theirs = await raw('POST', '/v2/events/batch', { requests: [{ name: 'other-org', session: { id: '1:2' } }] }, { key: other.keys.capture });
    expect(theirs.status).toBe(200);
    const jobId = theirs.body.job.id;
    expect((await raw('GET', `/v2/events/batch/${jobId}`, undefined, { key: other.keys.architect })).status).toBe(200);
    for (const path of [`/v2/events/batch/${jobId}`, `/v2/events/batch/${jobId}/errors`, `/v2/events/batch/${jobId}/imports`]) {
      expect(await raw('GET', path, undefined, { key: t.org.keys.admin })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    }
    expect(await customNamed('other-org')).toHaveLength(0);

    expect(await raw('POST', '/v2/events', { name: 'by-analyst', session: { id: '1:2' } }, { key: t.org.keys.analyst })).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    });
    expect((await raw('POST', '/v2/users', { uid: 'x' }, { key: t.org.keys.analyst })).status).toBe(403);
    expect((await raw('POST', '/v2/events/batch', { requests: [] }, { key: t.org.keys.analyst })).status).toBe(403);
    for (const role of ['admin', 'architect'] as const) {
      expect((await raw('POST', '/v2/events', { name: `by-${role}`, session: { id: '1:2' } }, { key: t.org.keys[role] })).status).toBe(200);
    }
    expect(await raw('POST', '/v2/events', { name: 'x' }, { key: 'nope' })).toMatchObject({ status: 401, body: { error: { code: 'INVALID_API_KEY' } } });
  });
});
