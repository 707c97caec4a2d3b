import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

// Security issue #11, observation 4 and the key parts of 8: a capture key is public (it is in
// every page running the web SDK), so it only sends events; reading takes a secret key.

let t: TestApp;
let userId: string;
let jobId: string;
beforeAll(async () => {
  t = await startTestApp();
  const user = await t.post('/v2/users', { uid: 'keys-user', email: 'keys-user@example.com', display_name: 'Keys User' });
  userId = user.body.id;
  const job = await t.post('/v2/events/batch', {
    requests: [
      { name: 'keys-job', session: { id: '31:1' } },
      { session: { id: '31:1' }, properties: { email: 'x@example.com' } },
    ],
  });
  jobId = job.body.job.id;
});
afterAll(() => t.close());

const get = async (path: string, key: string, headers: Record<string, string> = {}) => {
  const r = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${key}`, ...headers } });
  return { status: r.status, body: await r.json(), headers: r.headers };
};
const readPaths = () => [
  `/v2/users/${userId}`,
  `/v2/events/batch/${jobId}`,
  `/v2/events/batch/${jobId}/errors`,
  `/v2/events/batch/${jobId}/imports`,
];
const batch = (id: string) => ({
  device_id: '32',
  events: [{ id, seq: 1, view_id: '1', time: Date.now(), type: 'load', properties: { load_time_millis: 1 } }],
});

describe('capture keys are write-only', () => {
  it('refuses a capture key on GET /v2/users/{id} and on batch job status, errors and imports', async () => {
    for (const path of readPaths()) {
      const r = await get(path, t.org.keys.capture);
      expect([path, r.status, r.body.error.code]).toEqual([path, 403, 'FORBIDDEN']);
      expect(JSON.stringify(r.body)).not.toContain('example.com');
    }
  });

  it('lets admin and architect keys read, and refuses analyst keys (they read through GraphQL)', async () => {
    for (const role of ['admin', 'architect'] as const) {
      for (const path of readPaths()) expect([path, (await get(path, t.org.keys[role])).status]).toEqual([path, 200]);
    }
    expect((await get(`/v2/users/${userId}`, t.org.keys.admin)).body).toMatchObject({ uid: 'keys-user', email: 'keys-user@example.com' });
    for (const path of readPaths()) expect((await get(path, t.org.keys.analyst)).body.error.code).toBe('FORBIDDEN');
  });
});

describe('CORS only on the write endpoints', () => {
  it('answers no CORS on the read endpoints, to a preflight or a request', async () => {
    const origin = { origin: 'https://evil.example' };
    const read = await get(`/v2/users/${userId}`, t.org.keys.admin, origin);
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${t.url}/v2/users/${userId}`, {
      method: 'OPTIONS',
      headers: { ...origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
    expect((await preflight.json()).error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('answers CORS on every write endpoint', async () => {
    for (const path of ['/capture/v1/batch', '/v2/events', '/v2/events/batch', '/v2/users']) {
      const preflight = await fetch(`${t.url}${path}`, {
        method: 'OPTIONS',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
      });
      expect([path, preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([path, 204, 'https://shop.example']);
    }
    const r = await t.post('/v2/events', { name: 'cors', session: { id: '33:1' } }, { headers: { origin: 'https://shop.example' } });
    expect([r.status, r.headers.get('access-control-allow-origin')]).toEqual([200, 'https://shop.example']);
  });
});

describe('origin allow-lists and keys in the URL', () => {
  it('refuses a request without an Origin header for a key limited to origins', async () => {
    const created = await t.gql(
      `mutation { createApiKey(input: { name: "shop only", role: capture, allowedOrigins: ["https://shop.example"] }) { ... on ApiKeyCreated { data { key } } } }`,
    );
    const key = created.body.data.createApiKey.data.key;
    const none = await t.post('/capture/v1/batch', batch('no-origin'), { key });
    expect([none.status, none.body.error.code]).toEqual([403, 'ORIGIN_NOT_ALLOWED']);
    const v2 = await t.post('/v2/events', { name: 'no-origin', session: { id: '34:1' } }, { key });
    expect([v2.status, v2.body.error.code]).toEqual([403, 'ORIGIN_NOT_ALLOWED']);
    const allowed = await t.post('/capture/v1/batch', batch('with-origin'), { key, headers: { origin: 'https://shop.example' } });
    expect(allowed.status).toBe(202);
  });

  it('accepts only capture keys in ?key= (sendBeacon); a secret key there is refused with a code', async () => {
    for (const role of ['admin', 'architect', 'analyst'] as const) {
      const r = await fetch(`${t.url}/capture/v1/batch?key=${t.org.keys[role]}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify(batch(`in-url-${role}`)),
      });
      expect([role, r.status, (await r.json()).error.code]).toEqual([role, 400, 'SECRET_KEY_IN_URL']);
      const read = await fetch(`${t.url}/v2/users/${userId}?key=${t.org.keys[role]}`);
      expect([role, read.status, (await read.json()).error.code]).toEqual([role, 400, 'SECRET_KEY_IN_URL']);
    }
    const stored = await t.db.rows<{ n: string }>(
      sql`select count(*)::text as n from events where org_id = ${t.org.orgId} and dedup_key like '%in-url-%'`,
    );
    expect(stored[0]!.n).toBe('0');
    const beacon = await fetch(`${t.url}/capture/v1/batch?key=${t.org.keys.capture}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(batch('beacon')),
    });
    expect(beacon.status).toBe(202);
  });
});
