import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { requirement, testPostgresUrl } from '../support/requirements.ts';

// Issue #16: alert webhooks, received on a local listener: a destination becoming FAILING,
// recovering and lagging each call every webhook of its organization once, signed (HMAC of
// timestamp and body), retried with backoff, with every delivery recorded.

const warehouseUrl = process.env.TRIBUTARY_WAREHOUSE_PG_URL ?? testPostgresUrl();
const hasWarehouse = requirement('a Postgres warehouse', warehouseUrl !== undefined, 'set TRIBUTARY_WAREHOUSE_PG_URL or DATABASE_URL');

const SECRET = 'alert-signing-secret-0123456789';
const DOWN_SECRET = 'another-secret-for-the-down-hook';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let t: TestApp;
let listener: http.Server;
let base: string;
const received: Received[] = [];
let failNextOk = 1;

beforeAll(async () => {
  listener = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ path: req.url!, headers: req.headers, body });
      // /ok fails its first call (a retry must follow); /down always fails
      const fail = req.url === '/down' || (req.url === '/ok' && failNextOk-- > 0);
      res.writeHead(fail ? 500 : 204).end();
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  t = await startTestApp({ appDeps: { alertOptions: { retryBaseMs: 20, maxAttempts: 3, intervalMs: 3_600_000 } } });
});
afterAll(async () => {
  await t.close();
  await new Promise((resolve) => listener.close(resolve));
});

const CREATE_HOOK = `mutation($input: CreateAlertWebhookInput!) { createAlertWebhook(input: $input) {
  __typename ... on AlertWebhookCreated { data { id url } } ... on ValidationError { code field } } }`;
const CREATE_DEST = `mutation($input: DestinationInput!) { createDestination(input: $input) { ... on DestinationCreated { data { id } } } }`;
const DELIVERIES = `{ alertWebhooks(first: 10) { nodes { id url deliveries(first: 20) { nodes { id event status attempts lastStatusCode lastError destinationId } } } } }`;

function verify(r: Received, secret: string): Record<string, any> {
  const timestamp = Number(r.headers['x-tributary-timestamp']);
  expect(Math.abs(Date.now() / 1000 - timestamp)).toBeLessThan(60);
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${timestamp}.${r.body}`).digest('hex')}`);
  const given = Buffer.from(String(r.headers['x-tributary-signature']));
  expect(given.length === expected.length && timingSafeEqual(given, expected), 'signature').toBe(true);
  expect(r.headers['content-type']).toBe('application/json');
  const body = JSON.parse(r.body) as Record<string, any>;
  expect(r.headers['x-tributary-event']).toBe(body.event);
  return body;
}

async function sync(id: string) {
  const r = await t.gql(`mutation($id: ID!) { syncDestinationNow(id: $id) { __typename } }`, { id });
  expect(r.body.errors).toBeUndefined();
  await t.app.sync.scheduler.runDue();
}

/** Passes until no delivery is due (retries are 20 ms apart here). */
async function drainAlerts() {
  for (let i = 0; i < 20; i++) {
    await t.app.alerts.runOnce();
    const [due] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from alert_deliveries where status = 'pending'`);
    if (due!.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('deliveries still pending');
}

describe('alert webhooks', () => {
  it('refuses URLs outside the destination host policy, bad secrets, and never returns the secret', async () => {
    const refused = async (input: Record<string, unknown>) => (await t.gql(CREATE_HOOK, { input })).body.data.createAlertWebhook;
    expect(await refused({ url: 'http://169.254.169.254/latest', secret: SECRET })).toMatchObject({
      code: 'DESTINATION_HOST_NOT_ALLOWED',
      field: 'url',
    });
    expect(await refused({ url: 'http://10.1.2.3/hook', secret: SECRET })).toMatchObject({
      code: 'DESTINATION_HOST_NOT_ALLOWED',
      field: 'url',
    });
    expect(await refused({ url: 'ftp://127.0.0.1/hook', secret: SECRET })).toMatchObject({
      code: 'DESTINATION_HOST_NOT_ALLOWED',
      field: 'url',
    });
    expect(await refused({ url: 'http://user:pw@127.0.0.1/hook', secret: SECRET })).toMatchObject({ code: 'DESTINATION_HOST_NOT_ALLOWED' });
    expect(await refused({ url: `${base}/ok`, secret: 'short' })).toMatchObject({ code: 'INVALID_SECRET', field: 'secret' });
    expect(await refused({ url: `${base}/${'x'.repeat(2_000)}`, secret: SECRET })).toMatchObject({ code: 'INVALID_URL' });
    const fields = await t.gql(`{ __type(name: "AlertWebhook") { fields { name } } }`);
    expect(fields.body.data.__type.fields.map((f: { name: string }) => f.name)).not.toContain('secret');
    const [row] = await t.db.rows<{ n: number }>(
      sql`select count(*)::int as n from alert_webhooks where secret like ${'%' + SECRET.slice(0, 10) + '%'}`,
    );
    expect(row!.n).toBe(0);
  });

  it.runIf(hasWarehouse)('calls every webhook once per change, signed, retried, recorded', async () => {
    const ok = await t.gql(CREATE_HOOK, { input: { url: `${base}/ok`, secret: SECRET } });
    const okId = ok.body.data.createAlertWebhook.data.id as string;
    expect(JSON.stringify(ok.body)).not.toContain(SECRET);
    await t.gql(CREATE_HOOK, { input: { url: `${base}/down`, secret: DOWN_SECRET } });

    // a destination whose warehouse is unreachable: FAILING after three failed runs
    const created = await t.gql(CREATE_DEST, {
      input: { name: 'alerting', pluginId: 'postgres', config: { host: '127.0.0.1', port: 1, database: 'wh', user: 'u' } },
    });
    const id = created.body.data.createDestination.data.id as string;
    await t.app.alerts.runOnce();
    expect(received).toEqual([]);
    while ((await t.gql(`query($id: ID!) { destination(id: $id) { status } }`, { id })).body.data.destination.status !== 'FAILING')
      await sync(id);
    await drainAlerts();

    const failing = received.filter((r) => r.path === '/ok');
    // the first call answered 500: retried, same delivery id, signed anew
    expect(failing).toHaveLength(2);
    expect(failing[0]!.headers['x-tributary-delivery']).toBe(failing[1]!.headers['x-tributary-delivery']);
    const body = verify(failing[1]!, SECRET);
    expect(body).toMatchObject({
      event: 'destination.failing',
      organizationId: t.org.orgId,
      destination: { id, name: 'alerting', plugin: 'postgres', status: 'FAILING' },
    });
    expect(body.destination.consecutiveFailures).toBeGreaterThanOrEqual(3);
    expect(() => verify(failing[1]!, DOWN_SECRET)).toThrow();
    // the other webhook got the same alert, signed with its own secret, three times, then gave up
    const down = received.filter((r) => r.path === '/down');
    expect(down).toHaveLength(3);
    expect(verify(down[0]!, DOWN_SECRET).event).toBe('destination.failing');

    // nothing changed: nothing sent
    const before = received.length;
    await sync(id);
    await drainAlerts();
    expect(received.length).toBe(before);

    // recovers: the destination now points at a reachable warehouse
    const wh = new URL(warehouseUrl!);
    const update = await t.gql(
      `mutation($id: ID!, $input: DestinationInput!) { updateDestination(id: $id, input: $input) { __typename } }`,
      {
        id,
        input: {
          config: {
            host: wh.hostname,
            port: Number(wh.port),
            database: wh.pathname.slice(1),
            user: wh.username,
            schema: `alerts_${process.pid}`,
          },
        },
      },
    );
    expect(update.body.errors).toBeUndefined();
    await sync(id);
    await drainAlerts();
    const recovered = received.slice(before).filter((r) => r.path === '/ok');
    expect(recovered.map((r) => verify(r, SECRET).event)).toEqual(['destination.recovered']);

    // lags: its last successful sync read up to three hours ago (an hourly destination)
    await t.db.rows(
      sql`update sync_runs set started_time = now() - interval '3 hours' where destination_id = ${id} and status = 'succeeded'`,
    );
    const lagStart = received.length;
    await drainAlerts();
    const lagging = received
      .slice(lagStart)
      .filter((r) => r.path === '/ok')
      .map((r) => verify(r, SECRET));
    expect(lagging.map((b) => b.event)).toEqual(['destination.lagging']);
    expect(lagging[0]!.destination.lagSeconds).toBeGreaterThan(lagging[0]!.destination.lagThresholdSeconds);

    // and counted in the metrics
    const scrape = await t.app.metrics.scrape();
    expect(scrape.body).toMatch(/^tributary_alert_webhook_attempts_total\{event="destination.failing",outcome="failed"\} 1$/m);
    expect(scrape.body).toMatch(/^tributary_alert_webhook_attempts_total\{event="destination.failing",outcome="retry"\} 3$/m);

    // disabled, it alerts nothing (neither a recovery nor a catch-up)
    await t.gql(`mutation($id: ID!) { disableDestination(id: $id) { __typename } }`, { id });
    const disabledStart = received.length;
    await drainAlerts();
    expect(received.length).toBe(disabledStart);

    // every delivery is recorded
    const hooks = (await t.gql(DELIVERIES)).body.data.alertWebhooks.nodes.map((w: any) => ({
      ...w,
      deliveries: w.deliveries.nodes,
    })) as any[];
    const okHook = hooks.find((h) => h.id === okId);
    expect(okHook.deliveries.map((d: any) => [d.event, d.status, d.destinationId])).toEqual([
      ['DESTINATION_LAGGING', 'delivered', id],
      ['DESTINATION_RECOVERED', 'delivered', id],
      ['DESTINATION_FAILING', 'delivered', id],
    ]);
    expect(okHook.deliveries[2]).toMatchObject({ attempts: 2, lastStatusCode: 204 });
    const downHook = hooks.find((h) => h.url === `${base}/down`);
    expect(downHook.deliveries.find((d: any) => d.event === 'DESTINATION_FAILING')).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastStatusCode: 500,
      lastError: 'the webhook answered 500',
    });
  });

  it('alerts a change once when several instances check at the same time', async () => {
    const other = await startTestApp({ db: t.db });
    try {
      const created = await t.gql(CREATE_DEST, { input: { name: 'raced', pluginId: 'duckdb', config: { path: 'raced.duckdb' } } });
      const id = created.body.data.createDestination.data.id as string;
      await t.db.rows(sql`update destinations set consecutive_failures = 5 where id = ${id}`);
      await t.gql(CREATE_HOOK, { input: { url: `${base}/raced`, secret: SECRET } });
      const hooks = (await t.gql(`{ alertWebhooks { nodes { id } } }`)).body.data.alertWebhooks.nodes.length as number;
      await Promise.all([t.app.alerts.checkDestinations(), other.app.alerts.checkDestinations(), t.app.alerts.checkDestinations()]);
      const [row] = await t.db.rows<{ n: number }>(
        sql`select count(*)::int as n from alert_deliveries where destination_id = ${id} and event = 'destination.failing'`,
      );
      expect(row!.n).toBe(hooks);
    } finally {
      await other.close();
    }
  });
});
