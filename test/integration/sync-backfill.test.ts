import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import postgresClient from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import duckdb from '../../plugins/duckdb/index.ts';
import postgres from '../../plugins/postgres/index.ts';
import type { DestinationDefinition } from '@tributary/destination-sdk';
import { createPluginRegistry } from '../../server/plugins/registry.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { queryDuckdb } from '../support/duckdb.ts';
import type { WarehouseRow } from '../support/exactness-model.ts';
import {
  duckdbDestinationFile,
  faults,
  loadHooks,
  readDuckdbEvents,
  readPostgresEvents,
  switchableDuckdb,
  switchablePostgres,
  type FaultMode,
} from '../support/model-warehouses.ts';
import { requirement, testPostgresUrl } from '../support/requirements.ts';

/**
 * Backfill (issue #14; docs/warehouse-schema.md, "The one exception: a backfill"): through the GraphQL API and the
 * capture endpoint, to real DuckDB and Postgres destinations, with chunks of a few rows so every
 * backfill takes several runs. After every quiet sync each destination is compared with the store
 * by the rule: the current row of every event captured inside one of its periods (active and
 * backfill, as the API lists them) that the period's filters admit, a tombstone for every row it
 * received that is no longer current, nothing else.
 */

const CHUNK_ROWS = 4;
const warehouseUrl = process.env.TRIBUTARY_WAREHOUSE_PG_URL ?? testPostgresUrl();
const hasWarehouse = requirement('a Postgres warehouse', warehouseUrl !== undefined, 'set TRIBUTARY_WAREHOUSE_PG_URL or DATABASE_URL');
const KINDS = hasWarehouse ? (['duckdb', 'postgres'] as const) : (['duckdb'] as const);

let t: TestApp;
let warehouse: postgresClient.Sql | undefined;
beforeAll(async () => {
  const registry = await createPluginRegistry([], {
    builtIns: [postgres as DestinationDefinition, duckdb as DestinationDefinition, switchableDuckdb, switchablePostgres],
  });
  t = await startTestApp({
    env: { TRIBUTARY_CAPTURE_RATE_LIMIT: '100000' },
    appDeps: { registry, syncOptions: { retryBaseMs: 10, leaseMs: 5_000, backfillChunkRows: CHUNK_ROWS } },
  });
  if (hasWarehouse) warehouse = postgresClient(warehouseUrl!, { max: 1, onnotice: () => {} });
});
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  await t?.close();
  await warehouse?.end();
});

const pause = () => new Promise((resolve) => setTimeout(resolve, 3));
const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
let devices = 8_000_000;
let destinations = 0;

const BACKFILL_FIELDS =
  'id status from to sentUntil rowsSent rowsToSend cancelRequested error eventTypesInclude eventTypesExclude requestedBy';

interface ApiBackfill {
  id: string;
  status: string;
  from: string;
  to: string;
  sentUntil: string;
  rowsSent: number;
  rowsToSend: number | null;
  cancelRequested: boolean;
  error: string | null;
  eventTypesInclude: string[] | null;
  requestedBy: string;
}

interface ApiPeriod {
  kind: 'active' | 'backfill';
  startTime: string;
  endTime: string | null;
  eventTypesInclude: string[] | null;
  eventTypesExclude: string[] | null;
  backfillId: string | null;
}

/** One device with views whose events carry their client id as a marker. */
function device() {
  const id = String(++devices);
  let seq = 0;
  let sent = 0;
  return {
    id,
    /** One capture request (one capture instant): each event `[view, seconds, type, url?]`. */
    async send(events: [string, number, 'navigate' | 'click' | 'custom', string?][]): Promise<string[]> {
      const markers = events.map(() => `${id}-${++sent}`);
      const r = await t.post('/capture/v1/batch', {
        sdk: { name: 'tributary-web', version: '0.1.0' },
        device_id: id,
        session_id: '1',
        events: events.map(([view, at, type, url], i) => ({
          id: markers[i],
          seq: ++seq,
          view_id: `${id}${view}`,
          time: base + at * 1000,
          type,
          ...(url ? { url: `https://shop.example/${url}` } : {}),
          ...(type === 'click' ? { target: { text: 'Buy', path: [{ tag: 'button' }, { tag: 'body' }] } } : {}),
          properties: type === 'custom' ? { event_name: 'x', marker: markers[i] } : { marker: markers[i] },
        })),
      });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      await pause();
      return markers;
    },
  };
}

async function createDestination(kind: 'duckdb' | 'postgres', input: Record<string, unknown> = {}) {
  const name = `bf${++destinations}`;
  const faultTag = `backfill-${process.pid}-${name}`;
  let config: Record<string, unknown>;
  let file: string | undefined;
  let schema: string | undefined;
  if (kind === 'duckdb') {
    const duck = duckdbDestinationFile(t.config.destinationFilesDir, name);
    config = duck.config;
    file = duck.file;
  } else {
    schema = `backfill_${process.pid}_${name}`;
    config = { url: warehouseUrl, schema };
  }
  await pause();
  const r = await t.gql(
    `mutation($input: DestinationInput!) { createDestination(input: $input) {
      __typename ... on DestinationCreated { data { id } } ... on ValidationError { code message } } }`,
    {
      input: { name, pluginId: kind === 'duckdb' ? switchableDuckdb.id : switchablePostgres.id, config: { ...config, faultTag }, ...input },
    },
    t.org.keys.architect,
  );
  await pause();
  expect(r.body.data?.createDestination?.__typename, JSON.stringify(r.body)).toBe('DestinationCreated');
  const id = r.body.data.createDestination.data.id as string;
  cleanups.push(async () => {
    faults.delete(faultTag);
    if (file) fs.rmSync(file, { force: true });
    if (schema) await warehouse!.unsafe(`drop schema if exists ${schema} cascade`);
  });
  /** event_ids the destination has held live */
  const received = new Set<string>();

  const d = {
    id,
    faultTag,
    rows: (): Promise<WarehouseRow[]> => (kind === 'duckdb' ? readDuckdbEvents(file!) : readPostgresEvents(warehouse!, schema!)),
    /** event_id → updated_time (the warehouse clock of the merge that last wrote the row). */
    async updatedTimes(): Promise<Map<string, string>> {
      const rows =
        kind === 'duckdb'
          ? await queryDuckdb<{ event_id: string; u: string }>(file!, `select event_id, updated_time::varchar as u from events`)
          : await warehouse!.unsafe<{ event_id: string; u: string }[]>(`select event_id, updated_time::text as u from ${schema}.events`);
      return new Map(rows.map((r) => [r.event_id, r.u]));
    },
    async state(): Promise<{
      periods: ApiPeriod[];
      backfills: ApiBackfill[];
      runs: { status: string; error: string | null; details: any }[];
    }> {
      const r = await t.gql(
        `query($id: ID!) { destination(id: $id) {
          periods { kind startTime endTime eventTypesInclude eventTypesExclude backfillId }
          backfills { nodes { ${BACKFILL_FIELDS} } }
          runs(first: 1) { nodes { status error details } } } }`,
        { id },
        t.org.keys.analyst,
      );
      expect(r.body.errors).toBeUndefined();
      const dest = r.body.data.destination;
      return { periods: dest.periods, backfills: dest.backfills.nodes, runs: dest.runs.nodes };
    },
    async backfill(from: Date | string, key = t.org.keys.architect) {
      const r = await t.gql(
        `mutation($id: ID!, $from: DateTime!) { backfillDestination(id: $id, from: $from) {
          __typename ... on BackfillStarted { data { ${BACKFILL_FIELDS} } } ... on AppError { code message } } }`,
        { id, from: from instanceof Date ? from.toISOString() : from },
        key,
      );
      await pause();
      return r;
    },
    /** One run of the destination (whatever is due with it runs too); returns the run. */
    async run() {
      await t.db.rows(sql`update destinations set next_run_time = now() where id = ${id}`);
      await t.app.sync.scheduler.runDue();
      // what it received, failed runs included (a merge may have committed before the failure)
      for (const row of await d.rows()) if (row.eventType !== null) received.add(row.eventId);
      return (await d.state()).runs[0]!;
    },
    /** Runs until its backfill finished (each run sends one chunk); returns the runs' chunk sizes. */
    async runBackfill(): Promise<number[]> {
      const chunks: number[] = [];
      for (let i = 0; i < 50; i++) {
        const run = await d.run();
        expect(run, JSON.stringify(run)).toMatchObject({ status: 'succeeded' });
        if (run.details.backfill) chunks.push(run.details.backfill.rows);
        const [backfill] = (await d.state()).backfills;
        if (backfill!.status !== 'running' && backfill!.status !== 'queued') return chunks;
      }
      throw new Error('the backfill did not finish in 50 runs');
    },
    /** Compares the warehouse with the rule, after a sync that saw every change. */
    async expectExact() {
      const { periods } = await d.state();
      const store = await t.db.rows<{ event_id: string; event_type: string | null; captured_ms: number; marker: string | null }>(sql`
        select event_id, event_type, (extract(epoch from captured_time) * 1000)::float8 as captured_ms,
          coalesce(event_properties ->> 'marker', event_properties -> 'properties' ->> 'marker') as marker
        from events where org_id = ${t.org.orgId}`);
      const eligible = (row: (typeof store)[number]) =>
        periods.some(
          (p) =>
            Date.parse(p.startTime) <= row.captured_ms &&
            (p.endTime === null || row.captured_ms < Date.parse(p.endTime)) &&
            (!p.eventTypesInclude?.length || p.eventTypesInclude.includes(row.event_type!)) &&
            !p.eventTypesExclude?.includes(row.event_type!),
        );
      const expectedLive = store.filter((r) => r.event_type !== null && eligible(r)).map((r) => r.event_id);
      const tombstones = new Set(store.filter((r) => r.event_type === null).map((r) => r.event_id));
      const rows = await d.rows();
      const ids = rows.map((r) => r.eventId);
      expect(new Set(ids).size, 'duplicate event_ids').toBe(ids.length);
      const live = rows.filter((r) => r.eventType !== null);
      expect(live.map((r) => r.eventId).sort(), 'live rows').toEqual(expectedLive.sort());
      const markers = live.map((r) => r.marker);
      expect(new Set(markers).size, 'an event live twice').toBe(markers.length);
      const warehouseTombstones = rows.filter((r) => r.eventType === null).map((r) => r.eventId);
      for (const tombstone of warehouseTombstones)
        expect(received.has(tombstone) && tombstones.has(tombstone), `tombstone ${tombstone}`).toBe(true);
      expect(warehouseTombstones.sort(), 'tombstones of rows it received').toEqual([...received].filter((r) => tombstones.has(r)).sort());
      return { live: live.length, tombstones: warehouseTombstones.length };
    },
  };
  return d;
}

describe.each(KINDS)('backfill to a %s destination', (kind) => {
  it('sends a new destination what was captured before it existed, from backfillFrom on, in chunks, with its progress in the API', async () => {
    const dev = device();
    const before = await dev.send([
      ['1', 10, 'navigate', 'a'],
      ['1', 11, 'click'],
    ]);
    await pause();
    const from = new Date();
    await pause();
    const captured: string[] = [];
    for (let i = 0; i < 5; i++)
      captured.push(
        ...(await dev.send([
          ['1', 20 + i * 2, 'click'],
          ['2', 21 + i * 2, 'custom'],
        ])),
      );
    const d = await createDestination(kind, { backfillFrom: from.toISOString() });
    const after = await dev.send([['1', 40, 'click']]);

    const initial = await d.state();
    expect(initial.backfills).toHaveLength(1);
    const [queued] = initial.backfills;
    expect(queued).toMatchObject({
      status: 'queued',
      from: from.toISOString(),
      sentUntil: from.toISOString(),
      rowsSent: 0,
      rowsToSend: null,
    });
    expect(queued!.requestedBy).toMatch(/^api-key:/);
    // the backfill covers what the active period does not: together, every capture time since `from`
    expect(initial.periods).toEqual([
      {
        kind: 'backfill',
        startTime: from.toISOString(),
        endTime: from.toISOString(),
        eventTypesInclude: null,
        eventTypesExclude: null,
        backfillId: queued!.id,
      },
      { kind: 'active', startTime: queued!.to, endTime: null, eventTypesInclude: null, eventTypesExclude: null, backfillId: null },
    ]);

    // the first run sends the new rows (its window) and a first chunk: whole capture instants
    const first = await d.run();
    expect(first).toMatchObject({ status: 'succeeded', details: { backfill: { id: queued!.id, rows: CHUNK_ROWS } } });
    const progress = (await d.state()).backfills[0]!;
    expect(progress).toMatchObject({ status: 'running', rowsSent: CHUNK_ROWS, rowsToSend: 10 });
    expect(Date.parse(progress.sentUntil)).toBeGreaterThan(from.getTime());
    expect(Date.parse(progress.sentUntil)).toBeLessThan(Date.parse(progress.to));
    expect((await d.state()).periods[0]!.endTime).toBe(progress.sentUntil);
    await d.expectExact();

    expect(await d.runBackfill()).toEqual([4, 2]);
    const done = await d.state();
    expect(done.backfills[0]).toMatchObject({ status: 'succeeded', rowsSent: 10, rowsToSend: 10, sentUntil: queued!.to, error: null });
    expect(done.periods[0]!.endTime).toBe(queued!.to);
    await d.expectExact();
    const markers = (await d.rows()).map((r) => r.marker).sort();
    expect(markers).toEqual([...captured, ...after].sort());
    expect(markers).not.toContain(before[0]);
    // nothing more to send: the destination is back on its schedule
    expect(await d.run()).toMatchObject({ status: 'succeeded', details: { emptyWindow: true } });
  });

  it('never duplicates rows the destination already has (a backfill overlapping its active period)', async () => {
    const dev = device();
    const from = new Date();
    await pause();
    const early = await dev.send([
      ['1', 10, 'navigate', 'a'],
      ['1', 11, 'click'],
    ]);
    const d = await createDestination(kind);
    const active = [
      ...(await dev.send([
        ['1', 12, 'click'],
        ['1', 13, 'custom'],
      ])),
      ...(await dev.send([['1', 14, 'click']])),
    ];
    await d.run();
    const synced = await d.rows();
    expect(synced.map((r) => r.marker).sort()).toEqual(active.sort());
    const writtenAt = await d.updatedTimes();

    const r = await d.backfill(from);
    expect(r.body.data.backfillDestination.data).toMatchObject({ status: 'queued', rowsSent: 0 });
    // the range holds the rows captured before the destination existed and the ones it has
    expect(await d.runBackfill()).toEqual([4, 1]);
    const rows = await d.rows();
    expect(rows.map((r) => r.marker).sort()).toEqual([...early, ...active].sort());
    // the rows it had are untouched, updated_time included (the merge kept them)
    for (const row of synced) expect(rows.find((r) => r.eventId === row.eventId)).toEqual(row);
    const rewritten = await d.updatedTimes();
    for (const [id, time] of writtenAt) expect(rewritten.get(id), id).toBe(time);
    expect((await d.state()).backfills[0]).toMatchObject({ status: 'succeeded', rowsSent: 5, rowsToSend: 5 });
    await d.expectExact();
  });

  it('converges with ordinary syncs and late events before, during and after the backfill, a change committed while a chunk is in flight included', async () => {
    const dev = device();
    const from = new Date();
    await pause();
    // six capture instants of three rows in three views: chunks of two instants
    for (const view of ['1', '2', '3']) {
      await dev.send([
        [view, 10, 'navigate', 'a'],
        [view, 20, 'click'],
      ]);
      await dev.send([
        [view, 30, 'click'],
        [view, 40, 'custom'],
        [view, 50, 'click'],
      ]);
    }
    const d = await createDestination(kind);
    await d.run();
    await dev.send([['1', 60, 'click']]);
    expect((await d.backfill(from)).body.data.backfillDestination.data.status).toBe('queued');

    expect(await d.run()).toMatchObject({ status: 'succeeded' });
    const { backfills } = await d.state();
    expect(backfills[0]).toMatchObject({ status: 'running', rowsSent: 5 });
    await d.expectExact();

    // late navigates: in v1 (rows the backfill sent), in v3 (rows it has not reached yet)
    await dev.send([['1', 25, 'navigate', 'late-v1']]);
    await dev.send([['3', 35, 'navigate', 'late-v3']]);
    await d.run();
    await d.expectExact();

    // while the next chunk (v3's rows) streams in, a late navigate re-emits rows of it: the chunk
    // merges their old versions, and the next sync must bring the tombstones and the new ones
    loadHooks.set(d.faultTag, async () => {
      await dev.send([['3', 45, 'navigate', 'in-flight']]);
    });
    let sawHook = false;
    for (let i = 0; i < 10 && (await d.state()).backfills[0]!.status === 'running'; i++) {
      await d.run();
      sawHook ||= !loadHooks.has(d.faultTag);
      if (sawHook) break;
    }
    expect(sawHook).toBe(true);
    await d.run();
    await d.expectExact();
    await d.runBackfill();
    await d.expectExact();

    // after it: a late navigate re-emitting backfilled rows still reaches the warehouse
    await dev.send([['2', 15, 'navigate', 'after']]);
    await d.run();
    const { live, tombstones } = await d.expectExact();
    expect(live).toBeGreaterThan(18);
    expect(tombstones).toBeGreaterThan(0);
  });

  it('resumes after a failure before the merge and after the merge committed, without gaps or duplicates', async () => {
    const dev = device();
    const from = new Date();
    await pause();
    for (const view of ['1', '2', '3']) {
      await dev.send([
        [view, 10, 'navigate', 'a'],
        [view, 20, 'click'],
      ]);
      await dev.send([
        [view, 30, 'click'],
        [view, 40, 'custom'],
      ]);
    }
    const d = await createDestination(kind, { backfillFrom: from.toISOString() });
    await d.run();
    const sent = (await d.state()).backfills[0]!;
    expect(sent.rowsSent).toBe(4);

    // staged, then failed before the merge: its claim stays (the period runs ahead of the cursor)
    const fail = async (mode: FaultMode) => {
      faults.set(d.faultTag, mode);
      const run = await d.run();
      faults.delete(d.faultTag);
      expect(run).toMatchObject({ status: 'failed' });
    };
    await fail('load');
    let state = await d.state();
    expect(state.backfills[0]).toMatchObject({
      status: 'running',
      rowsSent: 4,
      sentUntil: sent.sentUntil,
      error: expect.stringContaining('injected'),
    });
    expect(Date.parse(state.periods[0]!.endTime!)).toBeGreaterThan(Date.parse(sent.sentUntil));
    await d.run();
    state = await d.state();
    expect(state.backfills[0]).toMatchObject({ rowsSent: 8, error: null, sentUntil: state.periods[0]!.endTime });
    await d.expectExact();

    // merged, then failed: a change committed meanwhile re-emits rows of that chunk; the retry
    // brings their tombstones (the period already claims them) and sends the chunk again
    loadHooks.set(d.faultTag, async () => {
      await dev.send([['3', 15, 'navigate', 'while-merging']]);
    });
    await fail('merged');
    expect((await d.state()).backfills[0]).toMatchObject({ rowsSent: 8 });
    await d.runBackfill();
    expect((await d.state()).backfills[0]).toMatchObject({ status: 'succeeded', rowsToSend: 12 });
    await d.expectExact();
    await d.run();
    await d.expectExact();
  });
});

describe('cancelling a backfill', () => {
  it('keeps what it sent, ends its period where it stopped, and still carries the changes of what it sent', async () => {
    const dev = device();
    const from = new Date();
    await pause();
    for (const view of ['1', '2', '3']) {
      await dev.send([
        [view, 10, 'navigate', 'a'],
        [view, 20, 'click'],
      ]);
      await dev.send([
        [view, 30, 'click'],
        [view, 40, 'custom'],
      ]);
    }
    const d = await createDestination('duckdb', { backfillFrom: from.toISOString() });
    await d.run();
    const [running] = (await d.state()).backfills;
    const cancel = (id: string, key = t.org.keys.architect) =>
      t.gql(
        `mutation($id: ID!) { cancelBackfill(id: $id) { __typename ... on BackfillCancelled { data { ${BACKFILL_FIELDS} } } ... on AppError { code message } } }`,
        { id },
        key,
      );
    const denied = await cancel(running!.id, t.org.keys.analyst);
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const cancelled = (await cancel(running!.id)).body.data.cancelBackfill.data;
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelRequested: true, rowsSent: 4, sentUntil: running!.sentUntil });
    expect((await d.state()).periods[0]).toMatchObject({ kind: 'backfill', endTime: running!.sentUntil });
    // cancelling again changes nothing
    expect((await cancel(running!.id)).body.data.cancelBackfill.data).toEqual(cancelled);

    // v1 was sent, v3 was not: a late navigate in each
    await dev.send([['1', 15, 'navigate', 'late']]);
    await dev.send([['3', 15, 'navigate', 'late']]);
    const run = await d.run();
    expect(run.details.backfill).toBeUndefined();
    await d.expectExact();
    // v1's three rows after the late navigate were re-emitted; of v3, only the new navigate is there
    const rows = await d.rows();
    expect(rows.filter((r) => r.view === `${dev.id}1` && r.eventType === null)).toHaveLength(3);
    expect(rows.filter((r) => r.view === `${dev.id}3`).map((r) => [r.eventType, r.url])).toEqual([
      ['navigate', 'https://shop.example/late'],
    ]);

    // cancelled while a chunk is in flight: that chunk is sent, then it stops
    const again = (await d.backfill(from)).body.data.backfillDestination.data;
    await d.run();
    faults.set(d.faultTag, 'load');
    await d.run();
    faults.delete(d.faultTag);
    const inFlight = (await cancel(again.id)).body.data.cancelBackfill.data;
    expect(inFlight).toMatchObject({ status: 'running', cancelRequested: true });
    await d.run();
    const stopped = (await d.state()).backfills[0]!;
    expect(stopped).toMatchObject({ status: 'cancelled', rowsSent: 8 });
    expect((await d.state()).periods.find((p) => p.backfillId === again.id)!.endTime).toBe(stopped.sentUntil);
    await d.expectExact();

    // a finished backfill cannot be cancelled
    const last = (await d.backfill(from)).body.data.backfillDestination.data;
    await d.runBackfill();
    expect((await cancel(last.id)).body.data.cancelBackfill).toMatchObject({ __typename: 'ValidationError', code: 'BACKFILL_FINISHED' });
    await d.expectExact();
  });
});

describe('backfillDestination', () => {
  it('takes the filters the destination has when it is asked', async () => {
    const dev = device();
    const from = new Date();
    await pause();
    await dev.send([
      ['1', 10, 'navigate', 'a'],
      ['1', 11, 'click'],
      ['1', 12, 'custom'],
    ]);
    const d = await createDestination('duckdb', { eventTypesInclude: ['click'] });
    const r = await d.backfill(from);
    expect(r.body.data.backfillDestination.data).toMatchObject({ eventTypesInclude: ['click'] });
    await d.runBackfill();
    expect((await d.rows()).map((row) => row.eventType)).toEqual(['click']);
    expect((await d.state()).periods[0]).toMatchObject({ kind: 'backfill', eventTypesInclude: ['click'] });
    await d.expectExact();
  });

  it('starts at the next tick when asked for while a sync runs, not at the next scheduled sync', async () => {
    const dev = device();
    const from = new Date();
    await pause();
    await dev.send([['1', 10, 'navigate', 'a']]);
    const d = await createDestination('duckdb');
    await dev.send([['1', 11, 'click']]);
    let asked: any;
    loadHooks.set(d.faultTag, async () => {
      asked = (await d.backfill(from)).body.data.backfillDestination.data;
    });
    expect(await d.run()).toMatchObject({ status: 'succeeded', details: { emptyWindow: false } });
    expect(asked).toMatchObject({ status: 'queued' });
    const [due] = await t.db.rows<{ due: boolean }>(sql`select next_run_time <= now() as due from destinations where id = ${d.id}`);
    expect(due!.due).toBe(true);
    await t.app.sync.scheduler.runDue();
    expect((await d.state()).backfills[0]).toMatchObject({ status: 'succeeded', rowsSent: 2 });
    await d.expectExact();
  });

  it('refuses analysts, a start that is not in the past, a second backfill at once, and unknown destinations', async () => {
    const d = await createDestination('duckdb');
    const denied = await d.backfill(new Date(Date.now() - 60_000), t.org.keys.analyst);
    expect([denied.status, denied.body.errors?.[0]?.extensions?.code]).toEqual([403, 'FORBIDDEN']);
    const future = await d.backfill(new Date(Date.now() + 60_000));
    expect(future.body.data.backfillDestination).toMatchObject({ code: 'INVALID_BACKFILL_FROM' });
    expect((await d.backfill('0001-01-01T00:00:00Z')).body.data.backfillDestination.__typename).toBe('BackfillStarted');
    expect((await d.backfill(new Date(Date.now() - 60_000))).body.data.backfillDestination).toMatchObject({ code: 'BACKFILL_IN_PROGRESS' });
    const unknown = await t.gql(
      `mutation { backfillDestination(id: "00000000-0000-4000-8000-000000000000", from: "2026-01-01T00:00:00Z") { __typename ... on AppError { code } } }`,
    );
    expect(unknown.body.data.backfillDestination).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const created = await t.gql(
      `mutation($input: DestinationInput!) { createDestination(input: $input) { __typename ... on ValidationError { code field } } }`,
      { input: { name: 'x', pluginId: 'duckdb', config: { path: 'x.duckdb' }, backfillFrom: new Date(Date.now() + 60_000).toISOString() } },
    );
    expect(created.body.data.createDestination).toEqual({
      __typename: 'ValidationError',
      code: 'INVALID_BACKFILL_FROM',
      field: 'backfillFrom',
    });
    const updated = await t.gql(
      `mutation($id: ID!) { updateDestination(id: $id, input: { backfillFrom: "2026-01-01T00:00:00Z" }) { __typename ... on ValidationError { code field } } }`,
      { id: d.id },
    );
    expect(updated.body.data.updateDestination).toEqual({ __typename: 'ValidationError', code: 'IMMUTABLE_FIELD', field: 'backfillFrom' });
  });
});
