import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { parseScrape, sampleOf } from '../support/prometheus.ts';

// Issue #16: /metrics, behind its key, in the Prometheus text format (parsed by a parser of its
// own), with values that move as the app captures and syncs, and labels of bounded sets.

const METRICS_KEY = 'metrics-key-for-tests-0123456789';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { TRIBUTARY_METRICS_KEY: METRICS_KEY } });
});
afterAll(async () => {
  await t.close();
});

async function scrape() {
  const r = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_KEY}` } });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseScrape(await r.text());
}

const CREATE = `mutation($input: DestinationInput!) { createDestination(input: $input) { ... on DestinationCreated { data { id } } ... on ValidationError { code message } } }`;

async function sync(id: string) {
  const r = await t.gql(`mutation($id: ID!) { syncDestinationNow(id: $id) { __typename } }`, { id });
  expect(r.body.errors).toBeUndefined();
  await t.app.sync.scheduler.runDue();
}

describe('GET /metrics', () => {
  it('answers only with the metrics key, and not at all on the main port without one', async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_KEY}x` } })).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.org.keys.admin}` } })).status).toBe(401);
    const other = await startTestApp({ db: t.db });
    try {
      const r = await fetch(`${other.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_KEY}` } });
      expect([r.status, (await r.json()).error.code]).toEqual([404, 'NOT_FOUND']);
    } finally {
      await other.close();
    }
  });

  it('counts capture by endpoint, answer and code, flushes, syncs per destination, and the store', async () => {
    const before = await scrape();
    const batch = (n: number) => ({
      device_id: '5151',
      session_id: '1',
      events: Array.from({ length: n }, (_, i) => ({
        id: `m${Date.now()}-${n}-${i}`,
        seq: i,
        view_id: '1',
        type: 'custom',
        time: Date.now(),
        properties: { event_name: 'm' },
      })),
    });
    // destinations first: they get only what is captured while they exist
    const duck = await t.gql(CREATE, { input: { name: 'metrics-duck', pluginId: 'duckdb', config: { path: 'metrics.duckdb' } } });
    const duckId = duck.body.data.createDestination.data.id as string;
    const down = await t.gql(CREATE, {
      input: { name: 'metrics-down', pluginId: 'postgres', config: { host: '127.0.0.1', port: 1, database: 'wh', user: 'u' } },
    });
    const downId = down.body.data.createDestination.data.id as string;
    expect((await t.post('/capture/v1/batch', batch(3))).status).toBe(202);
    expect((await t.post('/capture/v1/batch', batch(2))).status).toBe(202);
    const mixed = batch(2);
    mixed.events.push({ ...mixed.events[0]!, id: 'bad-time', time: 'yesterday' as never });
    const partly = await t.post('/capture/v1/batch', mixed);
    expect(partly.status).toBe(207);
    const rejectedCode = partly.body.rejected[0].code as string;
    expect((await t.post('/capture/v1/batch', batch(1), { key: 'tc_unknown' })).status).toBe(401);
    expect(
      (await t.post('/v2/events', { name: 'server event', user: { uid: 'metrics-user' }, properties: {} }, { key: t.org.keys.admin }))
        .status,
    ).toBe(200);

    await sync(duckId);
    for (let i = 0; i < 3; i++) await sync(downId);
    const deletion = await t.gql(`mutation { requestDeletion(input: { deviceId: "5151" }) { __typename } }`);
    expect(deletion.body.errors).toBeUndefined();
    await t.db.rows(sql`analyze events`);
    const after = await scrape();

    const moved = (name: string, labels: Record<string, string> = {}) => sampleOf(after, name, labels) - sampleOf(before, name, labels);
    expect(moved('tributary_capture_requests_total', { endpoint: '/capture/v1/batch', status: '202' })).toBe(2);
    expect(moved('tributary_capture_requests_total', { endpoint: '/capture/v1/batch', status: '207' })).toBe(1);
    expect(moved('tributary_capture_requests_total', { endpoint: '/capture/v1/batch', status: '401' })).toBe(1);
    expect(moved('tributary_capture_requests_total', { endpoint: '/v2/events', status: '200' })).toBe(1);
    expect(moved('tributary_capture_events_total', { endpoint: '/capture/v1/batch', outcome: 'accepted' })).toBe(7);
    expect(moved('tributary_capture_events_total', { endpoint: '/capture/v1/batch', outcome: 'rejected' })).toBe(1);
    expect(moved('tributary_capture_events_total', { endpoint: '/v2/events', outcome: 'accepted' })).toBe(1);
    expect(moved('tributary_capture_rejected_events_total', { code: rejectedCode })).toBe(1);
    expect(moved('tributary_capture_refused_requests_total', { code: 'INVALID_API_KEY' })).toBe(1);
    expect(moved('tributary_store_flush_events')).toBeGreaterThanOrEqual(1);
    expect(moved('tributary_store_flush_duration_seconds')).toBe(moved('tributary_store_flush_events'));
    expect(after.get('tributary_store_flush_duration_seconds')!.type).toBe('histogram');

    // an estimate, exact right after ANALYZE (the deletion request removed device 5151's rows)
    const [{ n }] = (await t.db.rows<{ n: number }>(sql`select count(*)::int as n from events`)) as [{ n: number }];
    expect(n).toBeGreaterThan(0);
    expect(sampleOf(after, 'tributary_store_rows')).toBe(n);
    expect(sampleOf(after, 'tributary_store_bytes')).toBeGreaterThan(0);

    const duckLabels = { destination: duckId, plugin: 'duckdb' };
    const downLabels = { destination: downId, plugin: 'postgres' };
    expect(sampleOf(after, 'tributary_sync_run_duration_seconds', { ...duckLabels, status: 'succeeded' })).toBe(1);
    // (each runDue also retries the failing destination once its short test backoff is over)
    const failedRuns = sampleOf(after, 'tributary_sync_run_duration_seconds', { ...downLabels, status: 'failed' });
    expect(failedRuns).toBeGreaterThanOrEqual(3);
    expect(sampleOf(after, 'tributary_sync_run_rows', duckLabels)).toBe(1);
    expect(sampleOf(after, 'tributary_sync_run_rows_sum', duckLabels)).toBeGreaterThanOrEqual(7);
    expect(sampleOf(after, 'tributary_destination_last_success_timestamp_seconds', duckLabels)).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(sampleOf(after, 'tributary_destination_last_success_timestamp_seconds', downLabels)).toBe(0);
    expect(sampleOf(after, 'tributary_destination_consecutive_failures', downLabels)).toBe(failedRuns);
    expect(sampleOf(after, 'tributary_destination_failing', downLabels)).toBe(1);
    expect(sampleOf(after, 'tributary_destination_failing', duckLabels)).toBe(0);
    expect(sampleOf(after, 'tributary_destination_lag_seconds', duckLabels)).toBeLessThan(60);
    expect(after.get('tributary_destination_lag_seconds')!.samples.some((s) => s.labels.destination === downId)).toBe(true);
    expect(sampleOf(after, 'tributary_destination_pending_deletion_requests', duckLabels)).toBe(1);

    // bounded labels: no device, event or user id, no raw path
    const values = [...after.values()].flatMap((f) => f.samples.flatMap((s) => Object.values(s.labels)));
    for (const id of ['5151', 'metrics-user', 'bad-time'])
      expect(
        values.some((v) => v.includes(id)),
        id,
      ).toBe(false);
  });
});
