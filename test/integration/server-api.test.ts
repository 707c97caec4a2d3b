import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimBatchJob, findBatchJobByIdempotencyKey } from '../../server/db/queries/batch-jobs.ts';
import { deviceIdForUser } from '../../server/events/ids.ts';
import { createTestOrg, startTestApp, type TestApp, type TestOrg } from '../support/app.ts';
import { queryDuckdb } from '../support/duckdb.ts';

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

async function raw(
  method: 'GET' | 'POST' | 'DELETE' | 'PUT',
  path: string,
  body?: unknown,
  init: { key?: string; headers?: Record<string, string>; text?: string } = {},
) {
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
      {
        id: `id-${deviceId}`,
        seq: 2,
        view_id: '1',
        time: now - 1000,
        type: 'identify',
        properties: { user_id: uid, user_email: `${uid}@example.com` },
      },
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
          browser: {
            url: 'https://shop.example/help?topic=billing#/ticket?x=1',
            user_agent: UA,
            initial_referrer: 'https://www.google.com/search?q=help',
          },
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
    expect(row).toMatchObject({
      deviceId: '123',
      sessionId: '456',
      viewId: null,
      eventType: 'custom',
      sourceType: 'server',
      eventTime: '2026-03-15T12:23:23.000000Z',
    });
    expect(row.eventProperties).toMatchObject({
      event_name: 'Support Ticket',
      properties: { id: 424242, priority: 'Normal', event_name: 'kept' },
    });
    expect(row.sourceProperties).toMatchObject({
      entrypoint: 'POST /v2/events',
      origin: 'server',
      integration: 'crm-sync',
      url: { host: 'shop.example', path: '/help', query: '?topic=billing', hash_path: '/ticket', hash_query: '?x=1' },
      user_agent: { raw_user_agent: UA, browser: 'Chrome' },
      initial_referrer: { host: 'www.google.com', path: '/search' },
      app: { name: 'Shop', version: '2.1.0', package_name: 'com.example.shop', build_variant: 'release' },
      device: { manufacturer: 'Apple', model: 'iPhone15,2', screen_width: 1179, screen_height: 2556 },
      location: {
        country: 'DE',
        region: 'DE-BE',
        city: 'Berlin',
        ip_address: '203.0.113.7',
        latitude: 52.52,
        longitude: 13.405,
        lat_long: '52.52,13.405',
      },
    });
  });

  it('resolves users: the most recent session within 30 minutes, else the known device, else a derived one', async () => {
    await nativeSession('9001', '77', 'alice');
    await nativeSession('9002', '88', 'dave');
    // dave's session ended an hour ago
    await t.db.rows(
      sql`update sessions set last_event_time = now() - interval '1 hour' where org_id = ${t.org.orgId} and device_id = 9002`,
    );

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
    const rsp = await client.users.create({
      body: { uid: 'erin', display_name: 'Erin E', email: 'erin@example.com', properties: { plan: 'pro' } },
    });
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
    expect(got.body).toMatchObject({
      id,
      uid: 'erin',
      display_name: 'Erin E',
      email: 'erin@example.com',
      is_being_deleted: false,
      properties: { plan: 'pro', seats: 3 },
    });

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
        includeSchema: true,
      },
      { pollInterval: 100, maxRetry: 2 },
    );
    const { id, imported, failed } = await runJob(job);
    expect(failed).toEqual([]);
    expect(imported.map((i) => i.name)).toEqual(['batch-ok-1', 'batch-ok-2']);
    expect(imported[0]).toMatchObject({
      timestamp: '2026-01-02T03:04:05.000Z',
      properties: { n: 1 },
      session: { id: '700:1' },
      context: { browser: { url: 'https://app.example/admin' } },
    });
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
    await raw(
      'POST',
      '/v2/events',
      { name: 'idem-single', session: { id: '800:1' } },
      { key: other.keys.capture, headers: { 'idempotency-key': 'idem-single-1' } },
    );
    expect(await customNamed('idem-single')).toHaveLength(1);
    expect(
      (await eventsOf({ eventType: 'custom' }, other.keys.admin)).filter((e) => e.eventProperties.event_name === 'idem-single'),
    ).toHaveLength(1);

    const body = {
      requests: [
        { name: 'idem-batch-a', session: { id: '801:1' } },
        { name: 'idem-batch-b', user: { uid: 'bob' } },
        { session: { id: '801:1' } },
      ],
    };
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
    const claim = () => claimBatchJob(t.db, { id: randomUUID(), orgId: t.org.orgId, kind: 'events', idempotencyKey: 'claim-twice' });
    const [a, b] = await Promise.all([claim(), claim()]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect((await findBatchJobByIdempotencyKey(t.db, t.org.orgId, 'events', 'claim-twice'))?.id).toBe((a ?? b)!.id);
  });

  it('surfaces Tributary errors through the client’s FSApiError', async () => {
    const error = await client.events.create({ body: { name: 'nobody' } }).then(
      () => undefined,
      (e: unknown) => e as any,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('FS_FULLSTORY_API');
    expect(error.httpStatusCode).toBe(400);
    // the client reads {code, message} at the top of the body; our {error: {code, message}} is beside it
    expect(error.fsErrorPayload).toEqual({ code: 'MISSING_IDENTIFICATION', message: 'give session.id, or user.uid / user.id' });
    expect(error.message).toBe('HTTP error status 400 received. Error message: give session.id, or user.uid / user.id');
    expect(error.error).toEqual(error.fsErrorPayload);
    // a 429 is the client's rate-limited error, with our Retry-After
    const limited = await startTestApp({ env: { TRIBUTARY_CAPTURE_RATE_LIMIT: '1' }, db: t.db });
    try {
      process.env.FS_API_HOST = limited.url;
      const slow = fs.init({ apiKey: limited.org.keys.architect });
      process.env.FS_API_HOST = t.url;
      const answers = await Promise.allSettled(
        Array.from({ length: 4 }, () => slow.events.create({ body: { name: 'limited', session: { id: '1:2' } } })),
      );
      const refused = answers.find((a) => a.status === 'rejected') as PromiseRejectedResult | undefined;
      expect(refused).toBeDefined();
      expect(refused!.reason.name).toBe('FS_RATE_LIMITED');
      expect(refused!.reason.fsErrorPayload).toMatchObject({ code: 'RATE_LIMITED' });
      expect(refused!.reason.canRetry()).toBe(true);
      expect(refused!.reason.getRetryAfter()).toBeGreaterThanOrEqual(1000);
    } finally {
      process.env.FS_API_HOST = t.url;
      await limited.close();
    }
  });

  it('takes context.web.url of the client’s batch example as the page URL', async () => {
    const { id } = (await client.users.create({ body: { uid: 'webby' } })).body!;
    const job = client.events.batchCreate(
      {
        body: {
          requests: [
            {
              user: { id },
              session: { use_most_recent: true },
              context: { web: { url: 'https://www.example.com/tickets?x=1' } } as any,
              name: 'Web Support Ticket',
              timestamp: new Date().toISOString(),
              properties: { source: 'Email', title: 'Account locked out' },
            },
          ],
        },
      },
      { pollInterval: 100 },
    );
    const { imported } = await runJob(job);
    expect(imported[0]).toMatchObject({ name: 'Web Support Ticket', context: { browser: { url: 'https://www.example.com/tickets?x=1' } } });
    const [row] = await customNamed('Web Support Ticket');
    expect(row.sourceProperties.url).toMatchObject({
      full_url: 'https://www.example.com/tickets?x=1',
      host: 'www.example.com',
      path: '/tickets',
    });
  });
});

/** Runs a users batch job of the official client to its `done` callback, recording every callback. */
function runUsersJob(job: ReturnType<ReturnType<FsClient['init']>['users']['batchCreate']>) {
  const seen: string[] = [];
  return new Promise<{ id: string; imported: any[]; failed: any[]; seen: string[] }>((resolve, reject) => {
    job
      .on('created', () => seen.push('created'))
      .on('processing', () => seen.push('processing'))
      .on('error', (e) => seen.push(`error:${String(e)}`))
      .on('abort', (errors) => reject(new Error(`job aborted: ${errors.map(String).join('; ')}`)))
      .on('done', (imported, failed) => resolve({ id: job.getId()!, imported, failed, seen }));
    job.execute();
  });
}

async function deletionRequests() {
  const r = await t.gql(
    `{ deletionRequests { nodes { id subjectKind subject deviceIds requestedBy storeRowsDeleted destinations { destinationId status } } } }`,
  );
  expect(r.body.errors).toBeUndefined();
  return r.body.data.deletionRequests.nodes as any[];
}

describe('users API through the official client', () => {
  it('lists users by uid, email and display name, page by page, identified or not', async () => {
    const requests = Array.from({ length: 130 }, (_, i) => ({
      uid: `list-${String(i).padStart(3, '0')}`,
      email: i % 2 === 0 ? 'even@example.com' : `odd${i}@example.com`,
      display_name: i < 3 ? 'First Three' : undefined,
      properties: { i },
    }));
    const { failed } = await runUsersJob(client.users.batchCreate({ body: { requests } }, { pollInterval: 50 }));
    expect(failed).toEqual([]);

    const one = await client.users.list({ uid: 'list-007', includeSchema: true });
    expect(one.httpStatusCode).toBe(200);
    expect(one.body).toMatchObject({
      total_records: '1',
      next_page_token: '',
      results: [{ uid: 'list-007', email: 'odd7@example.com', is_being_deleted: false, properties: { i: 7 } }],
    });
    expect((await client.users.get({ id: one.body!.results[0]!.id, includeSchema: true })).body).toMatchObject({ uid: 'list-007' });

    const evens: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await client.users.list({ email: 'even@example.com', pageToken });
      expect(page.body!.total_records).toBe('65');
      evens.push(...page.body!.results.map((u) => u.uid!));
      pageToken = page.body!.next_page_token || undefined;
    } while (pageToken);
    expect(evens).toEqual(requests.filter((_, i) => i % 2 === 0).map((r) => r.uid));

    const named = await client.users.list({ displayName: 'First Three', isIdentified: true });
    expect(named.body!.results.map((u) => u.uid)).toEqual(['list-000', 'list-001', 'list-002']);
    // every user Tributary knows has a uid: none is anonymous
    expect((await client.users.list({ displayName: 'First Three', isIdentified: false })).body).toMatchObject({
      results: [],
      total_records: '0',
    });
    expect((await client.users.list({ uid: 'nobody-at-all' })).body).toMatchObject({
      results: [],
      total_records: '0',
      next_page_token: '',
    });
  });

  it('creates a user once per Idempotency-Key, with the integration named by withOptions', async () => {
    const crm = client.users.withOptions({ integrationSource: 'crm-import' });
    const first = await crm.create({ idempotencyKey: 'user-idem-1', body: { uid: 'olga', email: 'olga@example.com' } });
    const again = await crm.create({ idempotencyKey: 'user-idem-1', body: { uid: 'olga', email: 'olga@example.com' } });
    expect(again.body).toEqual(first.body);
    const rows = (await eventsOf({ deviceId: deviceIdForUser(t.org.orgId, 'olga') })).filter((e) => e.eventType === 'identify');
    expect(rows).toHaveLength(1);
    expect(rows[0].sourceProperties).toMatchObject({ entrypoint: 'POST /v2/users', integration: 'crm-import' });
  });

  it('updates a user by id: an identify row with the new fields, and a user never seen is not found', async () => {
    await nativeSession('9201', '3', 'gina');
    const id = (await client.users.create({ body: { uid: 'gina', display_name: 'Gina', properties: { plan: 'free' } } })).body!.id;
    const updated = await client.users.update({
      id,
      body: { display_name: 'Gina G', email: 'gina@example.com', properties: { plan: 'pro' } },
    });
    expect(updated).toMatchObject({ httpStatusCode: 200, body: { id } });
    expect((await client.users.get({ id })).body).toMatchObject({
      uid: 'gina',
      display_name: 'Gina G',
      email: 'gina@example.com',
      properties: { plan: 'pro' },
    });
    const rows = (await eventsOf({ deviceId: '9201' })).filter((e) => e.sourceProperties.entrypoint === 'POST /v2/users/{id}');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      eventType: 'identify',
      sourceType: 'server',
      sessionId: null,
      eventProperties: { user_id: 'gina', user_display_name: 'Gina G' },
    });

    const failure = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: any) => e,
      );
    const unknown = await failure(client.users.update({ id: 'bm9ib2R5', body: { display_name: 'x' } }));
    expect(unknown).toMatchObject({ httpStatusCode: 404, fsErrorPayload: { code: 'NOT_FOUND' } });
    const conflicting = await failure(client.users.update({ id, body: { uid: 'someone-else' } }));
    expect(conflicting).toMatchObject({ httpStatusCode: 400, fsErrorPayload: { code: 'CONFLICTING_IDENTIFICATION' } });
  });

  it('imports users in a batch job: add, created/processing/done, imports with ids, failures with their user; restart', async () => {
    await nativeSession('9301', '4', 'hank');
    const job = client.users.batchCreate(
      {
        body: {
          requests: [
            { uid: 'hank', display_name: 'Hank', email: 'hank@example.com', properties: { pricing_plan: 'paid', total_spent: 14.5 } },
          ],
        },
        includeSchema: true,
      },
      { pollInterval: 50, maxRetry: 5 },
    );
    job.add({ uid: 'ivy' }, { display_name: 'Someone Else' });
    const { id, imported, failed, seen } = await runUsersJob(job);
    expect(seen[0]).toBe('created');
    expect(job.getStatus()).toBe('FAILED');
    expect(job.getFailedImports()).toBe(failed);
    expect(failed).toEqual([{ code: 'MISSING_FIELD', message: 'uid is required', index: 2, user: { display_name: 'Someone Else' } }]);
    // FAILED jobs report their errors to `done`; the imports are read with the same API
    expect(imported).toEqual([]);
    const imports = await raw('GET', `/v2/users/batch/${id}/imports`, undefined, { key: t.org.keys.admin });
    expect(imports.body).toMatchObject({ total_records: '2', next_page_token: '' });
    expect(imports.body.results).toEqual([
      {
        id: (await client.users.list({ uid: 'hank' })).body!.results[0]!.id,
        uid: 'hank',
        display_name: 'Hank',
        email: 'hank@example.com',
        properties: { pricing_plan: 'paid', total_spent: 14.5 },
      },
      { id: expect.any(String), uid: 'ivy', properties: {} },
    ]);
    // joined by device: hank's identify row is on his web device
    const hank = (await eventsOf({ deviceId: '9301' })).filter((e) => e.sourceProperties.entrypoint === 'POST /v2/users/batch');
    expect(hank).toHaveLength(1);

    // a fully valid job reports its imports to `done`; restart(jobId) polls a known job again
    const ok = await runUsersJob(
      client.users.batchCreate({ body: { requests: [{ uid: 'jack', properties: { n: 1 } }] } }, { pollInterval: 50 }),
    );
    expect(ok.failed).toEqual([]);
    expect(ok.imported).toEqual([{ id: expect.any(String), uid: 'jack', properties: { n: 1 } }]);
    const again = client.users.batchCreate(undefined, { pollInterval: 50 });
    const restarted = await new Promise<any[]>((resolve, reject) => {
      again.on('done', (imported) => resolve(imported)).on('abort', (e) => reject(new Error(String(e))));
      again.restart(ok.id);
    });
    expect(restarted).toEqual(ok.imported);
    // a users job is not an events job
    expect(await raw('GET', `/v2/events/batch/${ok.id}`, undefined, { key: t.org.keys.admin })).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND', error: { code: 'NOT_FOUND' } },
    });
    // an Idempotency-Key gives one job per kind
    const body = { requests: [{ uid: 'kim' }] };
    const first = await raw('POST', '/v2/users/batch', body, { headers: { 'idempotency-key': 'users-1' } });
    expect(await raw('POST', '/v2/users/batch', body, { headers: { 'idempotency-key': 'users-1' } })).toEqual(first);
    const eventsJob = await raw(
      'POST',
      '/v2/events/batch',
      { requests: [{ name: 'k', session: { id: '1:2' } }] },
      { headers: { 'idempotency-key': 'users-1' } },
    );
    expect(eventsJob.body.job.id).not.toBe(first.body.job.id);
    expect((await eventsOf({ eventType: 'identify' })).filter((e) => e.eventProperties.user_id === 'kim')).toHaveLength(1);
  });

  it('deletes a user by id and by uid through the deletion requests of GraphQL: the store and the warehouses follow', async () => {
    const duckFile = `${t.config.destinationFilesDir}/users-delete.duckdb`;
    const created = await t.gql(
      `mutation($i: DestinationInput!) { createDestination(input: $i) { ... on DestinationCreated { data { id } } } }`,
      { i: { name: 'duck', pluginId: 'duckdb', config: { path: 'users-delete.duckdb' } } },
    );
    const duck = created.body.data.createDestination.data.id as string;
    const syncAll = async () => {
      await t.db.rows(sql`update destinations set next_run_time = now() - interval '1 second' where org_id = ${t.org.orgId} and enabled`);
      await t.app.sync.scheduler.runDue();
    };
    await nativeSession('9401', '1', 'lena');
    await nativeSession('9402', '1', 'mona');
    await nativeSession('9403', '1', 'nora');
    const lena = (await client.users.create({ body: { uid: 'lena' } })).body!.id;
    await syncAll();
    const devicesIn = async () =>
      (
        await queryDuckdb<{ d: string }>(
          duckFile,
          `select distinct device_id::varchar as d from events where device_id in (9401, 9402, 9403) order by 1`,
        )
      ).map((r) => r.d);
    expect(await devicesIn()).toEqual(['9401', '9402', '9403']);

    // deleting takes an admin key, as requestDeletion does
    const architect = await client.users.delete({ id: lena }).then(
      () => undefined,
      (e: any) => e,
    );
    expect(architect).toMatchObject({ httpStatusCode: 403, fsErrorPayload: { code: 'FORBIDDEN' } });
    const admin = fs.init({ apiKey: t.org.keys.admin });
    const byId = await admin.users.delete({ id: lena });
    expect(byId.httpStatusCode).toBe(202);
    expect(byId.body).toMatchObject({ id: lena, deletion_request_id: expect.any(String) });
    const byUid = await admin.users.delete({ uid: 'mona' });
    expect(byUid.httpStatusCode).toBe(202);

    const requests = await deletionRequests();
    for (const [uid, device, answer] of [
      ['lena', '9401', byId],
      ['mona', '9402', byUid],
    ] as const) {
      const request = requests.find((r) => r.id === (answer.body as any).deletion_request_id);
      expect(request).toMatchObject({
        subjectKind: 'user',
        subject: uid,
        requestedBy: expect.stringMatching(/^api-key:/),
        destinations: [{ destinationId: duck, status: 'pending' }],
      });
      expect(request.deviceIds).toContain(device);
      expect(request.storeRowsDeleted).toBeGreaterThan(0);
    }
    expect(await eventsOf({ deviceId: '9401' })).toEqual([]);
    const gone = await client.users.get({ id: lena }).then(
      () => undefined,
      (e: any) => e,
    );
    expect(gone).toMatchObject({ httpStatusCode: 404, fsErrorPayload: { code: 'NOT_FOUND' } });

    await syncAll();
    expect(await devicesIn()).toEqual(['9403']);
    const after = await deletionRequests();
    expect(after.find((r) => r.subject === 'lena').destinations).toEqual([{ destinationId: duck, status: 'done' }]);

    const failure = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: any) => e,
      );
    expect(await failure(admin.users.delete({ id: '!!' }))).toMatchObject({ httpStatusCode: 404 });
    expect(await raw('DELETE', '/v2/users', undefined, { key: t.org.keys.admin })).toMatchObject({
      status: 400,
      body: { code: 'MISSING_FIELD' },
    });
    // the client itself refuses a request naming both or neither
    await expect(admin.users.delete({ id: lena, uid: 'lena' })).rejects.toMatchObject({ name: 'FS_ERROR_INVALID_ARGUMENT' });
  });

  it('answers the methods a path does not have with 405 in both error shapes', async () => {
    const r = await raw('PUT', '/v2/users', { uid: 'x' }, { key: t.org.keys.admin });
    expect(r).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED', error: { code: 'METHOD_NOT_ALLOWED' } } });
    expect(r.body.message).toMatch(/POST, GET, DELETE/);
  });
});

describe('server events API bad input', () => {
  it('rejects malformed JSON, missing names, conflicting identification and bad timestamps with codes', async () => {
    expect(await raw('POST', '/v2/events', undefined, { text: '{"name": ' })).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_JSON' } },
    });
    expect(await raw('POST', '/v2/events', [1, 2])).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST' } } });
    expect(await raw('POST', '/v2/events', { session: { id: '1:2' } })).toMatchObject({
      status: 400,
      body: { error: { code: 'MISSING_FIELD' } },
    });
    expect(await raw('POST', '/v2/events', { name: 'x', session: { id: '1:2', use_most_recent: true }, user: { uid: 'a' } })).toMatchObject(
      {
        status: 400,
        body: { error: { code: 'CONFLICTING_IDENTIFICATION' } },
      },
    );
    expect(await raw('POST', '/v2/events', { name: 'x', session: { id: '1:2', use_most_recent: true } })).toMatchObject({
      status: 400,
      body: { error: { code: 'CONFLICTING_IDENTIFICATION' } },
    });
    expect(await raw('POST', '/v2/events', { name: 'x', session: { use_most_recent: true } })).toMatchObject({
      status: 400,
      body: { error: { code: 'MISSING_IDENTIFICATION' } },
    });
    expect(await raw('POST', '/v2/events', { name: 'x', session: { id: 'abc' } })).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_SESSION_ID' } },
    });
    expect(await raw('POST', '/v2/events', { name: 'x', session: { id: '1:2' }, timestamp: 'yesterday' })).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_TIMESTAMP' } },
    });
    const future = new Date(Date.now() + 3 * 86_400_000).toISOString();
    expect(await raw('POST', '/v2/events', { name: 'x', session: { id: '1:2' }, timestamp: future })).toMatchObject({
      status: 400,
      body: { error: { code: 'TIMESTAMP_IN_FUTURE' } },
    });
    expect(
      await raw('POST', '/v2/events', { name: 'x', session: { id: '1:2' }, context: { browser: { url: 'not a url' } } }),
    ).toMatchObject({ status: 400, body: { error: { code: 'INVALID_URL' } } });
    expect(await raw('POST', '/v2/users', { display_name: 'no uid' })).toMatchObject({
      status: 400,
      body: { error: { code: 'MISSING_FIELD' } },
    });
    // nothing of the above was stored
    expect(await customNamed('x')).toHaveLength(0);
  });

  it('limits batches and rejects a request with its own context under shared.context', async () => {
    const many = { requests: Array.from({ length: 1001 }, (_, i) => ({ name: `m${i}`, session: { id: '1:2' } })) };
    expect(await raw('POST', '/v2/events/batch', many)).toMatchObject({ status: 413, body: { error: { code: 'BATCH_TOO_LARGE' } } });
    const huge = { requests: [{ name: 'h', session: { id: '1:2' }, properties: { s: 'x'.repeat(6 * 1024 * 1024) } }] };
    expect(await raw('POST', '/v2/events/batch', huge)).toMatchObject({ status: 413, body: { error: { code: 'BODY_TOO_LARGE' } } });
    expect(await raw('POST', '/v2/events/batch', { requests: [] })).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_BATCH' } },
    });
    expect(await raw('POST', '/v2/events/batch', { requests: 'nope' })).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_BATCH' } },
    });

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
    expect(errors.body).toMatchObject({
      total_records: '1',
      next_page_token: '',
      results: [{ code: 'CONTEXT_CONFLICT', index: 1, event: { name: 'shared-own' } }],
    });
    const [ok] = await customNamed('shared-ok');
    expect(ok.sourceProperties.url.host).toBe('shared.example');
  });

  it('answers NOT_FOUND for unknown jobs and jobs of another organization; checks roles', async () => {
    const admin = { key: t.org.keys.admin };
    expect(await raw('GET', '/v2/events/batch/00000000-0000-4000-8000-000000000000', undefined, admin)).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
    expect(await raw('GET', '/v2/events/batch/not-a-job/errors', undefined, admin)).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
    const theirs = await raw(
      'POST',
      '/v2/events/batch',
      { requests: [{ name: 'other-org', session: { id: '1:2' } }] },
      { key: other.keys.capture },
    );
    expect(theirs.status).toBe(200);
    const jobId = theirs.body.job.id;
    expect((await raw('GET', `/v2/events/batch/${jobId}`, undefined, { key: other.keys.architect })).status).toBe(200);
    for (const path of [`/v2/events/batch/${jobId}`, `/v2/events/batch/${jobId}/errors`, `/v2/events/batch/${jobId}/imports`]) {
      expect(await raw('GET', path, undefined, { key: t.org.keys.admin })).toMatchObject({
        status: 404,
        body: { error: { code: 'NOT_FOUND' } },
      });
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
    expect(await raw('POST', '/v2/events', { name: 'x' }, { key: 'nope' })).toMatchObject({
      status: 401,
      body: { error: { code: 'INVALID_API_KEY' } },
    });
  });
});
