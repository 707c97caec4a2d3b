/**
 * Deletion requests (issue #14): a person's rows leave the store at once and every destination at
 * its next sync; their past never comes back; with `suppress` nothing of theirs is stored again.
 */
import postgresClient from 'postgres';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import duckdb from '../../plugins/duckdb/index.ts';
import postgres from '../../plugins/postgres/index.ts';
import { defineDestination, DESTINATION_API_VERSION, runCheckSteps, type DestinationDefinition } from '@tributary/destination-sdk';
import { createPluginRegistry } from '../../server/plugins/registry.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { queryDuckdb } from '../support/duckdb.ts';
import { requirement, testPostgresUrl } from '../support/requirements.ts';

/** A plugin that loads nothing and cannot delete: its destinations report deletions as unsupported. */
const noDeletes: DestinationDefinition = defineDestination({
  id: 'no-deletes',
  displayName: 'Cannot delete (tests)',
  description: 'Declares no deleteDevices capability',
  version: '1.0.0',
  apiVersion: DESTINATION_API_VERSION,
  config: z.object({}),
  async connect() {
    return {
      check: () => runCheckSteps([]),
      async ensureTables() {},
      async loadEvents() {
        return { rowsStaged: 0, rowsMerged: 0, bytes: 0 };
      },
      async replaceDefinitions() {},
      async close() {},
    };
  },
});

const warehouseUrl = process.env.TRIBUTARY_WAREHOUSE_PG_URL ?? testPostgresUrl();
const hasWarehouse = requirement('a Postgres warehouse', warehouseUrl !== undefined, 'set TRIBUTARY_WAREHOUSE_PG_URL or DATABASE_URL');

let now = Date.now();
let t: TestApp;
let wh: postgresClient.Sql | undefined;
const schema = `del_${Date.now().toString(36)}_${process.pid}`;
beforeAll(async () => {
  const registry = await createPluginRegistry([], {
    builtIns: [duckdb as DestinationDefinition, postgres as DestinationDefinition, noDeletes],
  });
  t = await startTestApp({ appDeps: { registry, clock: () => ++now } });
  if (hasWarehouse) wh = postgresClient(warehouseUrl!, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await wh?.unsafe(`drop schema if exists ${schema} cascade`);
  await wh?.end();
  await t?.close();
});

const DELETION_FIELDS = `id subjectKind subject deviceIds suppress requestedBy requestedTime storeRowsDeleted droppedEvents
  destinations { destinationId status rowsDeleted completedTime }`;

async function createDestination(name: string, pluginId: string, config: Record<string, unknown>) {
  const r = await t.gql(
    `mutation($i: DestinationInput!) { createDestination(input: $i) { ... on DestinationCreated { data { id } } ... on AppError { code message } } }`,
    { i: { name, pluginId, config } },
  );
  const id = r.body.data?.createDestination?.data?.id;
  if (!id) throw new Error(JSON.stringify(r.body));
  return id as string;
}

async function syncAll() {
  await t.db.rows(sql`update destinations set next_run_time = now() - interval '1 second' where org_id = ${t.org.orgId} and enabled`);
  await t.app.sync.scheduler.runDue();
}

async function requestDeletion(input: Record<string, unknown>, key = t.org.keys.admin) {
  const r = await t.gql(
    `mutation($i: RequestDeletionInput!) { requestDeletion(input: $i) { ... on DeletionRequested { data { ${DELETION_FIELDS} } } ... on AppError { code message } } }`,
    { i: input },
    key,
  );
  return r.body;
}

const target = { path: [{ tag: 'button', id: 'buy' }, { tag: 'body' }] };
let seq = 0;
const send = (device: string, view: string, events: Record<string, unknown>[]) =>
  t.post('/capture/v1/batch', {
    device_id: device,
    session_id: '1',
    events: events.map((e) => ({ id: `d${++seq}`, seq, view_id: view, ...e })),
  });

describe('deletion requests', () => {
  it('delete a user on every device from the store and every warehouse, keep their past out, and report each destination', async () => {
    const duckFile = `${t.config.destinationFilesDir}/deletions.duckdb`;
    const duck = await createDestination('duck', 'duckdb', { path: 'deletions.duckdb' });
    const pg = hasWarehouse ? await createDestination('pg', 'postgres', { url: warehouseUrl, schema }) : null;
    const dormant = await createDestination('dormant', 'duckdb', { path: 'dormant.duckdb' });
    const incapable = await createDestination('incapable', 'no-deletes', {});
    await t.gql(`mutation($id: ID!) { disableDestination(id: $id) { __typename } }`, { id: dormant });

    // ada on two devices, bob on one
    const base = now;
    for (const [device, user] of [
      ['701', 'ada'],
      ['702', 'ada'],
      ['703', 'bob'],
    ] as const) {
      const r = await send(device, `9${device}`, [
        { time: base - 5000, type: 'navigate', url: 'https://shop.example/' },
        { time: base - 4000, type: 'identify', properties: { user_id: user, user_email: `${user}@example.com` } },
        { time: base - 3000, type: 'click', target },
      ]);
      expect(r.status).toBe(202);
    }
    await syncAll();

    const body = await requestDeletion({ userId: 'ada' });
    const request = body.data.requestDeletion.data;
    expect(request).toMatchObject({
      subjectKind: 'user',
      subject: 'ada',
      suppress: false,
      storeRowsDeleted: 6,
      requestedBy: expect.stringMatching(/^api-key:/),
    });
    expect(request.deviceIds).toEqual(expect.arrayContaining(['701', '702']));
    expect(request.deviceIds).not.toContain('703');
    const statusOf = (r: any) => Object.fromEntries(r.destinations.map((d: any) => [d.destinationId, d.status]));
    expect(statusOf(request)).toMatchObject({
      [duck]: 'pending',
      [dormant]: 'pending',
      [incapable]: 'unsupported',
      ...(pg ? { [pg]: 'pending' } : {}),
    });
    const [store] = await t.db.rows<{ n: number }>(
      sql`select count(*)::int as n from events where org_id = ${t.org.orgId} and device_id in (701, 702)`,
    );
    expect(store!.n).toBe(0);

    // a replay and a late event of the deleted past are dropped; a new event of the device is kept
    const replay = await t.post('/capture/v1/batch', {
      device_id: '701',
      session_id: '1',
      events: [{ id: 'd1', seq: 1, view_id: '9701', time: base - 5000, type: 'navigate', url: 'https://shop.example/' }],
    });
    expect(replay.body).toMatchObject({ accepted: 1 });
    await send('702', '9702', [{ time: base - 4500, type: 'click', target }]);
    await send('702', '99702', [{ time: now + 1000, type: 'navigate', url: 'https://shop.example/back' }]);

    await syncAll();
    const duckRows = await queryDuckdb<{ device_id: string; n: number }>(
      duckFile,
      'select device_id::varchar as device_id, count(*)::integer as n from events group by 1 order by 1',
    );
    expect(duckRows).toEqual([
      { device_id: '702', n: 1 }, // the new visit, after the request
      { device_id: '703', n: 3 },
    ]);
    if (pg) {
      const pgRows = await wh!.unsafe(`select device_id::text, count(*)::int as n from ${schema}.events group by 1 order by 1`);
      expect([...pgRows]).toEqual(duckRows);
    }
    const after = await t.gql(`query($id: ID!) { deletionRequest(id: $id) { ${DELETION_FIELDS} } }`, { id: request.id });
    const done = after.body.data.deletionRequest;
    expect(statusOf(done)).toMatchObject({
      [duck]: 'done',
      [dormant]: 'pending',
      [incapable]: 'unsupported',
      ...(pg ? { [pg]: 'done' } : {}),
    });
    expect(done.destinations.find((d: any) => d.destinationId === duck).rowsDeleted).toBe(6);
    expect(done.droppedEvents).toBe(2);

    // a disabled destination keeps its request pending, and carries it out once enabled
    await t.gql(`mutation($id: ID!) { enableDestination(id: $id) { __typename } }`, { id: dormant });
    await syncAll();
    const later = await t.gql(
      `query($id: ID!) { deletionRequest(id: $id) { ${DELETION_FIELDS} } destination(id: "${dormant}") { pendingDeletions } }`,
      { id: request.id },
    );
    expect(statusOf(later.body.data.deletionRequest)[dormant]).toBe('done');
    expect(later.body.data.destination.pendingDeletions).toBe(0);
  });

  it('with suppress, drops every later event of the device at capture, and counts them', async () => {
    const body = await requestDeletion({ deviceId: '801', suppress: true });
    const request = body.data.requestDeletion.data;
    const r = await send('801', '9801', [
      { time: now + 5000, type: 'navigate', url: 'https://shop.example/' },
      { time: now + 6000, type: 'click', target },
    ]);
    expect(r.body).toMatchObject({ accepted: 2 });
    const [store] = await t.db.rows<{ n: number }>(
      sql`select count(*)::int as n from events where org_id = ${t.org.orgId} and device_id = 801`,
    );
    expect(store!.n).toBe(0);
    const after = await t.gql(`query($id: ID!) { deletionRequest(id: $id) { droppedEvents } }`, { id: request.id });
    expect(after.body.data.deletionRequest.droppedEvents).toBe(2);
  });

  it('refuses a request without exactly one subject, or with a bad device id; only admins may ask', async () => {
    expect((await requestDeletion({})).data.requestDeletion).toMatchObject({ code: 'INVALID_SUBJECT' });
    expect((await requestDeletion({ userId: 'a', deviceId: '1' })).data.requestDeletion).toMatchObject({ code: 'INVALID_SUBJECT' });
    expect((await requestDeletion({ deviceId: 'abc' })).data.requestDeletion).toMatchObject({ code: 'INVALID_DEVICE_ID' });
    const architect = await requestDeletion({ deviceId: '5' }, t.org.keys.architect);
    expect(architect.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
