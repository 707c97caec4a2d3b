import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/log.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { requirement, testPostgresUrl } from '../support/requirements.ts';

// Issue #16: the log of a whole scenario (capture, GraphQL with keys, destinations with secrets,
// syncs that succeed and fail, errors) is structured, tagged with request ids, and carries no key,
// secret or event payload value, even at debug level.

const warehouseUrl = process.env.TRIBUTARY_WAREHOUSE_PG_URL ?? testPostgresUrl();
const hasWarehouse = requirement('a Postgres warehouse', warehouseUrl !== undefined, 'set TRIBUTARY_WAREHOUSE_PG_URL or DATABASE_URL');

const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ appDeps: { log: createLogger('debug', sink) } });
});
afterAll(async () => {
  await t.close();
});

const CREATE = `mutation($input: DestinationInput!) { createDestination(input: $input) {
  __typename ... on DestinationCreated { data { id } } ... on ValidationError { code message } } }`;

async function syncNow(id: string) {
  const r = await t.gql(`mutation($id: ID!) { syncDestinationNow(id: $id) { __typename } }`, { id });
  expect(r.body.errors).toBeUndefined();
  await t.app.sync.scheduler.runDue();
}

describe.runIf(hasWarehouse)('the log of a full scenario', () => {
  it('is JSON lines with request ids, and holds no key, secret or payload value', async () => {
    const payload = {
      property: 'payload-property-value-7Q2',
      url: 'https://shop.example/checkout?token=payload-url-token-K9',
      email: 'payload-person@example.com',
      text: 'payload-click-text-X4',
    };
    const warehousePassword = 'warehouse-password-Z81';
    const failingSecret = 'failing-url-secret-P55';
    const madeUpKey = 'tk_madeupkeythatisnotknown000000000000';
    const alertSecret = 'alert-webhook-secret-W77';

    // capture: well-formed, a replay, bad input, unknown and misplaced keys, a request id given
    await t.capture('4242', '1', [
      { time: Date.now() - 3000, type: 'navigate', url: payload.url },
      { time: Date.now() - 2000, type: 'custom', properties: { event_name: 'x', secret_prop: payload.property } },
      { time: Date.now() - 1000, type: 'identify', properties: { user_id: 'u1', user_email: payload.email } },
      { time: Date.now() - 500, type: 'click', target: { text: payload.text, path: [{ tag: 'button' }] } },
    ]);
    const given = await fetch(`${t.url}/capture/v1/batch?key=${t.org.keys.capture}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-from-proxy-1' },
      body: JSON.stringify({
        device_id: '4242',
        session_id: '1',
        events: [{ id: 'bad', seq: 1, view_id: '1', type: 'custom', time: 'not a time', properties: { p: payload.property } }],
      }),
    });
    expect(given.headers.get('x-request-id')).toBe('req-from-proxy-1');
    const malformedId = await fetch(`${t.url}/capture/v1/batch?key=${madeUpKey}`, {
      method: 'POST',
      headers: { 'x-request-id': 'has spaces <b>' },
      body: `{"broken": "${payload.property}`,
    });
    expect(malformedId.status).toBe(401);
    expect(malformedId.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await t.post('/capture/v1/batch', `{"broken": "${payload.property}`, { raw: `{"broken": "${payload.property}` })).status).toBe(
      400,
    );
    expect((await t.post('/capture/v1/batch', {}, { key: t.org.keys.admin, headers: {} })).status).toBe(400);
    expect((await fetch(`${t.url}/capture/v1/batch?key=${t.org.keys.admin}`, { method: 'POST', body: '{}' })).status).toBe(400);
    // a user id asked for in a path is not logged: the access line names the route
    const asked = await fetch(`${t.url}/v2/users/${encodeURIComponent(payload.email)}`, {
      headers: { authorization: `Bearer ${t.org.keys.admin}` },
    });
    expect(asked.headers.get('x-request-id')).toBeTruthy();

    // GraphQL: a new key, a destination with a password, one whose URL holds a secret and fails
    const created = await t.gql(`mutation { createApiKey(input: { name: "k", role: analyst }) { ... on ApiKeyCreated { data { key } } } }`);
    const newKey = created.body.data.createApiKey.data.key as string;
    expect(newKey).toMatch(/^tk_/);
    const wh = new URL(warehouseUrl!);
    const ok = await t.gql(CREATE, {
      input: {
        name: 'pg',
        pluginId: 'postgres',
        config: {
          host: wh.hostname,
          port: Number(wh.port),
          database: wh.pathname.slice(1),
          user: wh.username,
          password: warehousePassword,
          schema: `logs_${process.pid}`,
        },
      },
    });
    const okId = ok.body.data.createDestination.data.id as string;
    const failing = await t.gql(CREATE, {
      input: { name: 'down', pluginId: 'postgres', config: { url: `postgres://u:${failingSecret}@127.0.0.1:1/wh` } },
    });
    const failingId = failing.body.data.createDestination.data.id as string;
    const hook = await t.gql(`mutation($input: CreateAlertWebhookInput!) { createAlertWebhook(input: $input) { __typename } }`, {
      input: { url: 'http://127.0.0.1:1/alerts', secret: alertSecret },
    });
    expect(hook.body.data.createAlertWebhook.__typename).toBe('AlertWebhookCreated');
    await syncNow(okId);
    await syncNow(failingId);
    await syncNow(failingId);
    await syncNow(failingId);
    await t.app.alerts.runOnce();
    expect((await t.gql(`{ nope }`, {}, newKey)).status).toBe(400);
    expect((await t.gql(`{ organization { name } }`, {}, madeUpKey)).status).toBe(401);

    // what the log holds
    await new Promise((resolve) => setImmediate(resolve));
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.length).toBeGreaterThan(10);
    expect(records.every((r) => typeof r.level === 'number' && typeof r.msg === 'string' && typeof r.time === 'number')).toBe(true);
    const requests = records.filter((r) => r.msg === 'request');
    expect(requests.every((r) => typeof r.reqId === 'string')).toBe(true);
    expect(requests.find((r) => r.reqId === 'req-from-proxy-1')).toMatchObject({ path: '/capture/v1/batch', status: 207 });
    expect(requests.some((r) => r.path === '/v2/users/{id}')).toBe(true);
    expect(records.some((r) => r.msg === 'sync run succeeded' && r.destination === okId)).toBe(true);
    expect(records.some((r) => r.msg === 'sync run failed' && r.destination === failingId)).toBe(true);
    expect(records.some((r) => r.msg === 'alert: webhook call failed')).toBe(true);

    const log = lines.join('\n');
    const forbidden = {
      ...payload,
      warehousePassword,
      failingSecret,
      alertSecret,
      madeUpKey,
      newKey,
      ...t.org.keys,
      // the key bodies alone, in case a key is logged cut or encoded
      ...Object.fromEntries(Object.entries(t.org.keys).map(([role, key]) => [`${role}Body`, key.slice(3, 20)])),
    };
    for (const [what, value] of Object.entries(forbidden)) expect(log.includes(value), `${what} is in the log`).toBe(false);
  });
});
