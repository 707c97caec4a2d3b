/**
 * Retention (issue #14): the store stays bounded in steady state while every destination still
 * gets every row; a destination that falls behind holds retention back up to the ceiling, then
 * what it missed is recorded and shown. The clock is simulated: each "day" moves it 24 hours.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import duckdb from '../../plugins/duckdb/index.ts';
import type { DestinationDefinition } from '@tributary/destination-sdk';
import { createPluginRegistry } from '../../server/plugins/registry.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { queryDuckdb } from '../support/duckdb.ts';
import { faults, switchableDuckdb } from '../support/model-warehouses.ts';

const DAY = 86_400_000;
// a longer simulation for the figures: RETENTION_TEST_DAYS=30 RETENTION_TEST_EVENTS_PER_DAY=3000
const EVENTS_PER_DAY = Math.max(10, Math.round(Number(process.env.RETENTION_TEST_EVENTS_PER_DAY ?? 300) / 10) * 10);
const DAYS = Math.max(8, Number(process.env.RETENTION_TEST_DAYS ?? 12));
let now = Date.now();
let t: TestApp;
beforeAll(async () => {
  const registry = await createPluginRegistry([], { builtIns: [duckdb as DestinationDefinition, switchableDuckdb] });
  t = await startTestApp({
    env: { TRIBUTARY_RETENTION: '2d', TRIBUTARY_RETENTION_MAX: '5d', TRIBUTARY_CAPTURE_RATE_LIMIT: '1000000' },
    appDeps: { registry, clock: () => now },
  });
});
afterAll(() => t?.close());

async function createDestination(name: string, pluginId: string, extra: Record<string, unknown> = {}) {
  const r = await t.gql(
    `mutation($i: DestinationInput!) { createDestination(input: $i) { ... on DestinationCreated { data { id } } ... on AppError { code message } } }`,
    { i: { name, pluginId, config: { path: `${name}.duckdb`, ...extra } } },
  );
  const id = r.body.data?.createDestination?.data?.id;
  if (!id) throw new Error(JSON.stringify(r.body));
  return { id: id as string, file: `${t.config.destinationFilesDir}/${name}.duckdb` };
}

async function sync(id: string) {
  await t.db.rows(sql`update destinations set next_run_time = now() - interval '1 second' where id = ${id}`);
  await t.app.sync.scheduler.runDue();
}

let device = 5_000_000;
/** A simulated day: 24 hours later, a day of events (views of 10 events), captured "now". */
async function captureDay(day: number) {
  now += DAY;
  const dev = String(++device);
  for (let v = 0; v < EVENTS_PER_DAY / 10; v++) {
    await t.capture(
      dev,
      String(day * 1000 + v + 1),
      Array.from({ length: 10 }, (_, k) =>
        k === 0
          ? { time: now - 60_000, type: 'navigate', url: `https://shop.example/${day}` }
          : { time: now - 60_000 + k, type: 'click', target: { path: [{ tag: 'button' }] } },
      ),
    );
  }
}

async function storeSize() {
  const [row] = await t.db.rows<{ rows: number; bytes: number; partitions: number }>(sql`
    select (select count(*)::int from events) as rows,
      (select coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)::bigint from pg_inherits i where i.inhparent = 'events'::regclass) as bytes,
      (select count(*)::int from pg_inherits i where i.inhparent = 'events'::regclass) as partitions`);
  return { rows: row!.rows, bytes: Number(row!.bytes), partitions: row!.partitions };
}

describe('retention', () => {
  it('keeps the store bounded over simulated days while every destination gets every row; a lagging one holds it back to the ceiling', async () => {
    const steady = await createDestination('steady', 'duckdb');
    const lagging = await createDestination('lagging', 'switchable-duckdb', { faultTag: 'lagging' });
    faults.set('lagging', 'connect');
    const sizes: { day: number; rows: number; bytes: number; partitions: number; dropped: string[] }[] = [];
    for (let day = 1; day <= DAYS; day++) {
      await captureDay(day);
      await sync(steady.id);
      await sync(lagging.id);
      const report = await t.app.retention.runOnce();
      sizes.push({ day, ...(await storeSize()), dropped: report.dropped });
    }
    console.info(
      `[retention] store per simulated day (2d retention, 5d ceiling, ${EVENTS_PER_DAY} events/day):\n${sizes.map((s) => `  day ${s.day}: ${s.rows} rows, ${(s.bytes / 1024).toFixed(0)} KiB, ${s.partitions} partitions, dropped ${s.dropped.join(' ') || '-'}`).join('\n')}`,
    );

    // the lagging destination held each day back until the ceiling (5 days), not just the retention (2 days)
    const steadyState = sizes.slice(7);
    for (const s of steadyState) expect(s.rows).toBeLessThanOrEqual(7 * EVENTS_PER_DAY);
    // flat: the last days are no bigger than the first steady day (a day's partition is replaced by another)
    const maxBytes = Math.max(...steadyState.map((s) => s.bytes));
    expect(maxBytes).toBeLessThanOrEqual(steadyState[0]!.bytes * 1.25);
    expect(Math.max(...steadyState.map((s) => s.partitions))).toBeLessThanOrEqual(Math.min(...steadyState.map((s) => s.partitions)) + 1);

    // the steady destination got every row, of the days long dropped from the store too
    const [held] = await queryDuckdb<{ n: number }>(steady.file, 'select count(*)::integer as n from events where event_type is not null');
    expect(held!.n).toBe(DAYS * EVENTS_PER_DAY);

    // what the lagging destination missed is recorded, shown by the API, and it still gets what is left
    const r = await t.gql(`query($id: ID!) { destination(id: $id) { missed { capturedFrom capturedTo rows wasEnabled } } }`, {
      id: lagging.id,
    });
    const missed = r.body.data.destination.missed as { rows: number; wasEnabled: boolean }[];
    expect(missed.length).toBeGreaterThan(0);
    expect(missed.every((m) => m.wasEnabled && m.rows > 0)).toBe(true);
    const missedRows = missed.reduce((sum, m) => sum + m.rows, 0);
    faults.delete('lagging');
    await sync(lagging.id);
    const [got] = await queryDuckdb<{ n: number }>(lagging.file, 'select count(*)::integer as n from events where event_type is not null');
    expect(got!.n + missedRows).toBe(DAYS * EVENTS_PER_DAY);
  });

  it('keeps a partition an enabled destination has not synced, past the retention period, until it has', async () => {
    const slow = await createDestination('slow', 'duckdb');
    await captureDay(100);
    now += 3 * DAY; // past the 2-day retention, within the 5-day ceiling
    const held = await t.app.retention.runOnce();
    expect(held.held.some((h) => h.destinations.includes(slow.id))).toBe(true);
    await sync(slow.id);
    const after = await t.app.retention.runOnce();
    expect(after.held.filter((h) => h.destinations.includes(slow.id))).toEqual([]);
    const [got] = await queryDuckdb<{ n: number }>(slow.file, 'select count(*)::integer as n from events');
    expect(got!.n).toBe(EVENTS_PER_DAY);
  });
});
