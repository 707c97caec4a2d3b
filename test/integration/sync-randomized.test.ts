import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import duckdb from '../../plugins/duckdb/index.ts';
import postgres from '../../plugins/postgres/index.ts';
import { defineDestination, RetryableError, type DestinationConnection, type DestinationDefinition } from '@tributary/destination-sdk';
import { openPglite, type Database } from '../../server/db/client.ts';
import { claimDueDestinations, insertSyncRun } from '../../server/db/queries/destinations.ts';
import { createPluginRegistry } from '../../server/plugins/registry.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { queryDuckdb } from '../support/duckdb.ts';

/**
 * A seeded, reproducible interleaving of capture, late events, identifies, syncs, failures
 * injected at every plugin step (before and after the warehouse committed), abandoned runs
 * (a crashed instance), app restarts, retention dropping days, deletion requests (of a device
 * or of a user) and backfills of the destination that joins late (at its creation or later, from
 * before anything was captured), checked against the rule of docs/warehouse-schema.md ("What each destination holds").
 * SYNC_SEED=<n> replays one case.
 */

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Step = 'connect' | 'ensureTables' | 'loadEvents:before' | 'loadEvents:after' | 'replaceDefinitions';
const faults = { rate: 0, random: Math.random };

/** A DuckDB destination that fails at random steps, before or after the real work committed. */
const flaky: DestinationDefinition = defineDestination({
  ...(duckdb as DestinationDefinition),
  id: 'flaky-duckdb',
  displayName: 'Flaky DuckDB (tests)',
  async connect(config, ctx) {
    const maybeFail = (step: Step) => {
      if (faults.random() < faults.rate) throw new RetryableError(`injected failure at ${step}`);
    };
    maybeFail('connect');
    const inner: DestinationConnection = await (duckdb as DestinationDefinition).connect(config, ctx);
    return {
      check: () => inner.check(),
      async ensureTables() {
        maybeFail('ensureTables');
        await inner.ensureTables();
      },
      async loadEvents(batches, options) {
        maybeFail('loadEvents:before');
        const result = await inner.loadEvents(batches, options);
        maybeFail('loadEvents:after');
        return result;
      },
      async replaceDefinitions(tables) {
        maybeFail('replaceDefinitions');
        await inner.replaceDefinitions(tables);
      },
      close: () => inner.close(),
    };
  },
});

// Seeds 1–6 run on the test store (Postgres in CI), 7–8 on embedded PGlite whatever the
// environment: the README promises retention, backfills and deletions in the embedded mode too.
const seeds = process.env.SYNC_SEED ? [Number(process.env.SYNC_SEED)] : [1, 2, 3, 4, 5, 6, 7, 8];
const onPglite = (seed: number) => seed >= 7;

// Store rows the seeds' deletion requests removed: over all seeds some must have (a request for a
// user not yet identified resolves to no captured device, so one seed alone may remove none).
let storeRowsDeletedBySeeds = 0;
afterAll(() => {
  if (seeds.length > 1) expect(storeRowsDeletedBySeeds).toBeGreaterThan(0);
});

describe.each(seeds)('randomized capture and sync (seed %i)', (seed) => {
  let t: TestApp;
  let embedded: Database | undefined;
  // capture times follow this clock: "a day passes" moves it, and retention drops old days
  let now = Date.now();
  beforeAll(async () => {
    const registry = await createPluginRegistry([], {
      builtIns: [postgres as DestinationDefinition, duckdb as DestinationDefinition, flaky],
    });
    embedded = onPglite(seed) ? await openPglite(undefined) : undefined;
    t = await startTestApp({
      db: embedded,
      env: { TRIBUTARY_RETENTION: '1d', TRIBUTARY_RETENTION_MAX: '365d' },
      // one millisecond per reading: a capture and an activation never share an instant
      appDeps: { registry, clock: () => ++now },
    });
  });
  afterAll(async () => {
    await t.close();
    await embedded?.close();
  });

  it('keeps every destination complete, duplicate-free, idempotent and convergent', async () => {
    const random = mulberry32(seed);
    faults.random = random;
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    // before anything of this seed was captured: a backfill from here sends the store's every event
    // (on the app's clock, which capture times and periods follow)
    const start = new Date(++now);
    const create = async (name: string, pluginId: string, backfillFrom?: Date) => {
      const r = await t.gql(
        `mutation($input: DestinationInput!) { createDestination(input: $input) { ... on DestinationCreated { data { id } } } }`,
        { input: { name, pluginId, config: { path: `${seed}-${name}.duckdb` }, intervalMinutes: 1, backfillFrom } },
      );
      const file = path.join(t.config.destinationFilesDir, `${seed}-${name}.duckdb`);
      return { id: r.body.data.createDestination.data.id as string, file };
    };
    // captured before any destination exists: must never be sent
    const devices = ['71', '72', '73'];
    const views = new Map<string, { view: string; time: number; seq: number }>();
    let n = 0;
    const send = async (events: Record<string, unknown>[], device: string) => {
      const r = await t.post('/capture/v1/batch', {
        sdk: { name: 'tributary-web', version: '0' },
        device_id: `${seed}${device}`,
        session_id: '1',
        events,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
    };
    const captureSome = async () => {
      const device = pick(devices);
      const state = views.get(device) ?? { view: `${seed}${device}${++n}`, time: Date.parse('2026-11-20T00:00:00Z'), seq: 0 };
      views.set(device, state);
      const events = [];
      const count = 1 + Math.floor(random() * 6);
      for (let i = 0; i < count; i++) {
        state.time += 1000 + Math.floor(random() * 5000);
        state.seq++;
        const kind = random();
        const base = { id: `e${state.view}-${state.seq}`, seq: state.seq, view_id: state.view, time: state.time };
        if (kind < 0.25) events.push({ ...base, type: 'navigate', url: `https://shop.example/p${Math.floor(random() * 5)}` });
        else if (kind < 0.6)
          events.push({ ...base, type: 'click', target: { text: 'x', path: [{ tag: 'button', id: `b${i}` }, { tag: 'body' }] } });
        else if (kind < 0.7)
          events.push({ ...base, type: 'identify', properties: { user_id: `u${device}`, user_email: `u${device}@x.example` } });
        else events.push({ ...base, type: 'custom', properties: { event_name: 'Added', n: i } });
      }
      await send(events, device);
    };
    const lateEvent = async () => {
      const device = pick(devices);
      const state = views.get(device);
      if (!state) return;
      state.seq++;
      const back = 1 + Math.floor(random() * 8000);
      await send(
        [
          {
            id: `late${state.view}-${state.seq}`,
            seq: state.seq,
            view_id: state.view,
            time: state.time - back,
            type: 'navigate',
            url: 'https://shop.example/late',
          },
        ],
        device,
      );
    };

    // Rows retention drops leave the store but stay in the warehouses: the expectation keeps them.
    const dropped = new Map<string, { event_type: string | null; captured: number; device: string }>();
    // devices a deletion request named: none of their rows may be left anywhere once synced
    const deleted = new Set<string>();
    const deletionIds: string[] = [];
    // what retention had dropped when the late joiner's first backfill was asked for: never sent to it
    let goneBeforeBackfill: Set<string> | undefined;
    const storeRows = async () =>
      new Map(
        (
          await t.db.rows<{ event_id: string; event_type: string | null; captured: string; device: string }>(sql`
            select event_id, event_type, (extract(epoch from captured_time) * 1000)::bigint::text as captured, device_id::text as device
            from events where org_id = ${t.org.orgId}`)
        ).map((r) => [r.event_id, { event_type: r.event_type, captured: Number(r.captured), device: r.device }]),
      );
    const dayPasses = async () => {
      now += 86_400_000;
      const before = await storeRows();
      await t.app.retention.runOnce();
      const after = await storeRows();
      for (const [id, row] of before) if (!after.has(id)) dropped.set(id, row);
    };

    await captureSome();
    const early = await create('early', 'duckdb');
    const flakyDest = await create('flaky', 'flaky-duckdb');
    let late: { id: string; file: string } | null = null;
    for (let step = 0; step < 40; step++) {
      const action = random();
      if (action < 0.35) await captureSome();
      else if (action < 0.5) await lateEvent();
      else if (action < 0.8) {
        faults.rate = 0.25;
        for (const dest of [early, flakyDest, late].filter(Boolean)) {
          await t.db.rows(sql`update destinations set next_run_time = now() where id = ${dest!.id}`);
        }
        await t.app.sync.scheduler.runDue();
        faults.rate = 0;
      } else if (action < 0.88) {
        // an instance crashes holding a lease, with a run left "running"
        await t.db.rows(sql`update destinations set next_run_time = now() where id = ${flakyDest.id}`);
        const claimed = await claimDueDestinations(t.db, 'crashed-instance', 10, 1);
        for (const dest of claimed)
          await insertSyncRun(t.db, {
            destinationId: dest.id,
            orgId: dest.orgId,
            status: 'running',
            trigger: 'schedule',
            runner: 'crashed-instance',
          });
        await new Promise((r) => setTimeout(r, 5));
      } else if (action < 0.92) {
        await dayPasses();
      } else if (action < 0.96) {
        // a deletion request for one device, by its id or by the user identified on it (never the last device)
        const device = pick(devices.filter((d) => !deleted.has(`${seed}${d}`)));
        if (deleted.size < devices.length - 1) {
          const input = random() < 0.5 ? { deviceId: `${seed}${device}` } : { userId: `u${device}` };
          const r = await t.gql(
            `mutation($input: RequestDeletionInput!) { requestDeletion(input: $input) { __typename ... on DeletionRequested { data { id deviceIds } } } }`,
            { input },
          );
          expect(r.body.data?.requestDeletion.__typename, JSON.stringify(r.body)).toBe('DeletionRequested');
          deletionIds.push(r.body.data.requestDeletion.data.id);
          // a user resolves to the devices identified as them (none yet: nothing is deleted)
          for (const id of r.body.data.requestDeletion.data.deviceIds as string[]) deleted.add(id);
        }
      } else if (!late) {
        const backfill = random() < 0.5;
        late = await create('late-joiner', pick(['duckdb', 'flaky-duckdb']), backfill ? start : undefined);
        if (backfill) goneBeforeBackfill ??= new Set(dropped.keys());
      } else if (random() < 0.3) {
        // a backfill of the late joiner (refused while one is in progress)
        const r = await t.gql(
          `mutation($id: ID!) { backfillDestination(id: $id, from: "${start.toISOString()}") { __typename ... on AppError { code } } }`,
          { id: late.id },
        );
        expect(['BackfillStarted', 'ValidationError'], JSON.stringify(r.body)).toContain(r.body.data.backfillDestination.__typename);
        // a backfill sends what the store still holds (retention waits for it from then on)
        if (r.body.data.backfillDestination.__typename === 'BackfillStarted') goneBeforeBackfill ??= new Set(dropped.keys());
      } else {
        await captureSome();
      }
    }
    // heal: sync everything without faults, twice (the second run must change nothing)
    const all = [early, flakyDest, late].filter((d): d is { id: string; file: string } => d !== null);
    const syncAll = async () => {
      for (const dest of all)
        await t.db.rows(
          sql`update destinations set next_run_time = now(), lease_owner = null, lease_expires_time = null where id = ${dest.id}`,
        );
      await t.app.sync.scheduler.runDue();
    };
    await syncAll();
    // every destination is up to date: two days later retention drops every day before them
    await dayPasses();
    await dayPasses();
    await syncAll();
    const snapshot = async (file: string) =>
      queryDuckdb<any>(
        file,
        `select event_id, event_time, processed_time, updated_time, device_id, session_id, view_id, event_type,
        event_properties::text as ep, source_type, source_properties::text as sp from events order by event_id`,
      );
    const first = await Promise.all(all.map((d) => snapshot(d.file)));
    await syncAll();
    const second = await Promise.all(all.map((d) => snapshot(d.file)));
    expect(second).toEqual(first); // idempotent: a re-run changes nothing, updated_time included

    // what every destination active from the start must hold (docs/warehouse-schema.md): the live row of
    // every event captured since its activation, and tombstones only of rows it received
    const since = async (id: string) =>
      (
        await t.db.rows<{ since: string }>(sql`select min(start_time)::text as since from destination_periods where destination_id = ${id}`)
      )[0]!.since;
    // the store holds nothing of a deleted device, and the expectation drops it
    const stored = await storeRows();
    expect([...stored.values()].filter((r) => deleted.has(r.device))).toEqual([]);
    const everStored = new Map([...dropped, ...stored].filter(([, r]) => !deleted.has(r.device)));
    const liveSince = async (from: string) =>
      [...everStored]
        .filter(([, r]) => r.event_type !== null && r.captured >= Date.parse(from.replace(' ', 'T').replace(/\+00$/, 'Z')))
        .map(([event_id, r]) => ({ event_id, event_type: r.event_type! }))
        .sort((a, b) => (a.event_id < b.event_id ? -1 : 1));
    const tombstoneIds = new Set([...everStored].filter(([, r]) => r.event_type === null).map(([id]) => id));
    const expectExact = (rows: any[], live: { event_id: string; event_type: string }[]) => {
      const ids = rows.map((r: any) => r.event_id);
      expect(new Set(ids).size).toBe(ids.length); // no duplicates
      const liveRows = rows.filter((r: any) => r.event_type !== null);
      expect(liveRows.map((r: any) => r.event_id)).toEqual(live.map((r) => r.event_id)); // complete, nothing extra
      expect(liveRows.map((r: any) => r.event_type)).toEqual(live.map((r) => r.event_type));
      for (const r of rows.filter((r: any) => r.event_type === null)) expect(tombstoneIds.has(r.event_id)).toBe(true);
    };
    const expected = await liveSince(await since(early.id));
    const [earlyRows, flakyRows] = first;
    for (const rows of [earlyRows!, flakyRows!]) {
      expectExact(rows, expected);
      expect(await queryDuckdb(early.file, 'select count(*)::int as n from raw_events')).toEqual([{ n: 0 }]);
    }
    // convergent: different sync timings and failures, the same live rows apart from updated_time
    // (tombstones depend on which rows each received before they changed)
    const strip = (rows: any[]) => rows.filter((r) => r.event_type !== null).map(({ updated_time: _u, ...rest }) => rest);
    expect(strip(flakyRows!)).toEqual(strip(earlyRows!));
    // a destination that joined later holds exactly the events captured since it joined, or
    // since the start when it was backfilled (its periods begin there)
    if (late)
      expectExact(
        first[2]!,
        (await liveSince(await since(late.id))).filter((r) => !goneBeforeBackfill?.has(r.event_id)),
      );
    // deleted devices left no row in any destination, and each request is done everywhere it applies
    for (const rows of first) expect(rows.filter((r: any) => deleted.has(String(r.device_id)))).toEqual([]);
    for (const id of deletionIds) {
      const r = await t.gql(`query($id: ID!) { deletionRequest(id: $id) { storeRowsDeleted destinations { destinationId status } } }`, {
        id,
      });
      storeRowsDeletedBySeeds += r.body.data.deletionRequest.storeRowsDeleted;
      for (const d of r.body.data.deletionRequest.destinations) expect(d.status, JSON.stringify(d)).toBe('done');
    }
    // retention ran and dropped days the destinations had (nothing forced: the ceiling is a year)
    expect(dropped.size).toBeGreaterThan(0);
    const [missed] = await t.db.rows<{ n: number }>(sql`select count(*)::int as n from destination_misses where org_id = ${t.org.orgId}`);
    expect(missed!.n).toBe(0);
    // faults really happened: failed runs of the flaky destination, abandoned runs recorded as failed
    const [failed] = await t.db.rows<{ n: number }>(
      sql`select count(*)::int as n from sync_runs where destination_id = ${flakyDest.id} and status = 'failed'`,
    );
    expect(failed!.n).toBeGreaterThan(0);
    // every run left a final state
    const stuck = await t.db.rows(sql`select id from sync_runs where org_id = ${t.org.orgId} and status in ('queued', 'running')`);
    expect(stuck).toEqual([]);
  });
});
