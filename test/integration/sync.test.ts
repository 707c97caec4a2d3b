import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { queryDuckdb } from '../support/duckdb.ts';
import { requirement, testPostgresUrl } from '../support/requirements.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const CREATE = `mutation($input: DestinationInput!) { createDestination(input: $input) {
  __typename ... on DestinationCreated { data { id name pluginId config secretFieldsSet status enabled } }
  ... on ValidationError { code message field } } }`;
const RUNS = `query($id: ID!) { destination(id: $id) { status consecutiveFailures lastError lastSuccessTime
  runs(first: 50) { nodes { id status trigger rows statements attempts error errorKind details } } } }`;

async function createDuckdb(name: string, extra: Record<string, unknown> = {}, key = t.org.keys.architect) {
  const r = await t.gql(CREATE, { input: { name, pluginId: 'duckdb', config: { path: `${name}.duckdb` }, ...extra } }, key);
  const file = path.join(t.config.destinationFilesDir, `${name}.duckdb`);
  expect(r.body.errors).toBeUndefined();
  return { id: r.body.data.createDestination.data.id as string, file };
}

async function syncNow(id: string) {
  const r = await t.gql(
    `mutation($id: ID!) { syncDestinationNow(id: $id) { __typename ... on SyncQueued { data { id status trigger } } } }`,
    { id },
  );
  expect(r.body.data.syncDestinationNow.data).toMatchObject({ status: 'queued', trigger: 'manual' });
  await t.app.sync.scheduler.runDue();
  const runs = await t.gql(RUNS, { id });
  return runs.body.data.destination;
}

describe('sync to a DuckDB destination', () => {
  it('sends only rows captured while active, merges them, empties staging and writes the lookup tables', async () => {
    await t.capture('9001', '1', [{ time: Date.now() - 5000, type: 'navigate', url: 'https://shop.example/before' }]);
    const { id, file } = await createDuckdb('main');
    await t.capture('9001', '2', [
      { time: Date.now() - 4000, type: 'navigate', url: 'https://shop.example/after' },
      { time: Date.now() - 3000, type: 'click', target: { text: 'Buy', path: [{ tag: 'button', id: 'buy' }, { tag: 'body' }] } },
    ]);
    const t0 = Date.now();
    const dest = await syncNow(id);
    expect(dest.runs.nodes[0]).toMatchObject({ status: 'succeeded', rows: 2, trigger: 'manual', attempts: 1 });
    // the merge looked only at the event times of the window's rows, and the run says which
    const range = dest.runs.nodes[0].details.mergedEventTimeRange;
    expect(Date.parse(range.from)).toBeGreaterThanOrEqual(t0 - 4000 - 1000);
    expect(Date.parse(range.to)).toBeLessThanOrEqual(t0);
    const rows = await queryDuckdb<any>(
      file,
      `select event_id, event_type, device_id, json_extract_string(source_properties, '$.url.path') as path, updated_time from events order by event_time`,
    );
    expect(rows.map((r) => [r.event_type, r.path])).toEqual([
      ['navigate', '/after'],
      ['click', '/after'],
    ]);
    expect(rows.every((r) => r.updated_time !== null)).toBe(true);
    expect(await queryDuckdb(file, 'select * from raw_events')).toEqual([]);
    const tables = await queryDuckdb<any>(file, `select table_name from information_schema.tables order by 1`);
    expect(tables.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['events', 'raw_events', 'event_definitions', 'page_definitions', 'element_definitions']),
    );
    // the store rows and the warehouse rows are the same
    const store = await t.gql(`{ events(filter: { deviceId: "9001" }) { nodes { eventId eventType } } }`);
    const synced = new Set(rows.map((r) => r.event_id));
    expect(store.body.data.events.nodes.filter((n: any) => synced.has(n.eventId))).toHaveLength(2);
  });

  it('sends nothing to the warehouse for an empty window, and catches up late events with tombstones', async () => {
    const { id, file } = await createDuckdb('late');
    await t.capture('9002', '10', [
      { time: Date.parse('2026-11-26T10:00:00Z'), type: 'navigate', url: 'https://shop.example/a' },
      { time: Date.parse('2026-11-26T10:00:20Z'), type: 'click', target: { text: 'x', path: [{ tag: 'a' }] } },
    ]);
    await syncNow(id);
    const empty = await syncNow(id);
    expect(empty.runs.nodes[0]).toMatchObject({ status: 'succeeded', rows: 0, statements: 0 });
    // a late navigate before the click: the click is re-emitted and its old row tombstoned
    await t.capture('9002', '10', [{ time: Date.parse('2026-11-26T10:00:10Z'), type: 'navigate', url: 'https://shop.example/b' }]);
    const after = await syncNow(id);
    expect(after.runs.nodes[0]).toMatchObject({ status: 'succeeded', rows: 3 });
    const rows = await queryDuckdb<any>(
      file,
      `select event_type, json_extract_string(source_properties, '$.url.path') as path from events where device_id = 9002 order by event_time, event_type nulls first`,
    );
    expect(rows).toEqual([
      { event_type: 'navigate', path: '/a' },
      { event_type: 'navigate', path: '/b' },
      { event_type: null, path: null },
      { event_type: 'click', path: '/b' },
    ]);
  });

  it('keeps event times exact to the microsecond, in UTC', async () => {
    const { id, file } = await createDuckdb('times');
    await t.capture('9006', '50', [
      { time: '2026-11-26T11:00:00.123456+01:00', type: 'navigate', url: 'https://shop.example/t' },
      { time: '2026-11-26T10:00:01Z', type: 'load' },
      { time: '2026-11-26T10:00:02.5Z', type: 'load' },
    ]);
    await syncNow(id);
    const rows = await queryDuckdb<any>(
      file,
      `select strftime(event_time at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') as t from events where device_id = 9006 order by event_time`,
    );
    expect(rows.map((r) => r.t)).toEqual(['2026-11-26T10:00:00.123456Z', '2026-11-26T10:00:01.000000Z', '2026-11-26T10:00:02.500000Z']);
  });

  it('keeps the client order of events of one millisecond under order by event_time, event_id', async () => {
    const { id, file } = await createDuckdb('same-millisecond');
    const time = '2026-11-26T10:00:00.5Z';
    // sent out of order; the client's sequence numbers say first, second, third
    await t.capture('9007', '60', [
      { seq: 3, time, type: 'custom', properties: { event_name: 'third' } },
      { seq: 1, time, type: 'custom', properties: { event_name: 'first' } },
      { seq: 2, time, type: 'custom', properties: { event_name: 'second' } },
    ]);
    await syncNow(id);
    const rows = await queryDuckdb<any>(
      file,
      `select json_extract_string(event_properties, '$.event_name') as name from events where device_id = 9007 order by event_time, event_id`,
    );
    expect(rows.map((r) => r.name)).toEqual(['first', 'second', 'third']);
  });

  it('applies include and exclude filters, tombstones included', async () => {
    const only = await createDuckdb('only-clicks', { eventTypesInclude: ['click'] });
    await t.capture('9003', '20', [
      { time: Date.now() - 2000, type: 'navigate', url: 'https://shop.example/f' },
      { time: Date.now() - 1000, type: 'click', target: { text: 'x', path: [{ tag: 'a' }] } },
    ]);
    await syncNow(only.id);
    const rows = await queryDuckdb<any>(only.file, `select event_type from events where device_id = 9003`);
    expect(rows).toEqual([{ event_type: 'click' }]);
    const bad = await t.gql(CREATE, {
      input: { name: 'x', pluginId: 'duckdb', config: { path: 'x.duckdb' }, eventTypesInclude: ['click'], eventTypesExclude: ['load'] },
    });
    expect(bad.body.data.createDestination).toMatchObject({ __typename: 'ValidationError', code: 'CONFLICTING_FILTERS' });
  });

  it('skips rows captured while disabled', async () => {
    const { id, file } = await createDuckdb('paused');
    await t.gql(`mutation($id: ID!) { disableDestination(id: $id) { __typename } }`, { id });
    await t.capture('9004', '30', [{ time: Date.now() - 1000, type: 'navigate', url: 'https://shop.example/while-disabled' }]);
    await t.gql(`mutation($id: ID!) { enableDestination(id: $id) { __typename } }`, { id });
    await t.capture('9004', '31', [{ time: Date.now(), type: 'navigate', url: 'https://shop.example/enabled-again' }]);
    await syncNow(id);
    const rows = await queryDuckdb<any>(
      file,
      `select json_extract_string(source_properties, '$.url.path') as path from events where device_id = 9004`,
    );
    expect(rows).toEqual([{ path: '/enabled-again' }]);
  });
});

describe('destination management', () => {
  it('lists installed plugins with their config JSON Schema and secret fields', async () => {
    const r = await t.gql(`{ destinationPlugins { id version apiVersion secretFields configSchema } }`, {}, t.org.keys.analyst);
    const byId = Object.fromEntries(r.body.data.destinationPlugins.map((p: any) => [p.id, p]));
    expect(byId.duckdb.configSchema.properties.path).toBeDefined();
    expect(byId.postgres.secretFields.length).toBeGreaterThan(0);
  });

  it('encrypts secrets at rest and never returns them', async () => {
    const r = await t.gql(CREATE, {
      input: {
        name: 'pg',
        pluginId: 'postgres',
        enabled: false,
        config: { url: 'postgres://warehouse:s3cr3t-Pa55@127.0.0.1:1/wh', schema: 'analytics' },
      },
    });
    expect(r.body.errors).toBeUndefined();
    const created = r.body.data.createDestination.data;
    expect(created.secretFieldsSet).toBe(true);
    expect(JSON.stringify(r.body)).not.toContain('s3cr3t-Pa55');
    const listed = await t.gql(`{ destinations { nodes { id config secretFieldsSet } } }`, {}, t.org.keys.analyst);
    expect(JSON.stringify(listed.body)).not.toContain('s3cr3t-Pa55');
    const [stored] = await t.db.rows<{ config: unknown; secret_config: string }>(
      sql`select config, secret_config from destinations where id = ${created.id}`,
    );
    expect(JSON.stringify(stored)).not.toContain('s3cr3t-Pa55');
    expect(stored!.secret_config).toMatch(/^v1\./);
  });

  it('enforces roles: analysts read, architects write, capture keys read nothing', async () => {
    const denied = await t.gql(CREATE, { input: { name: 'x', pluginId: 'duckdb', config: { path: 'x.duckdb' } } }, t.org.keys.analyst);
    expect(denied.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const capture = await t.gql(`{ destinations { nodes { id } } }`, {}, t.org.keys.capture);
    expect(capture.status).toBe(403);
  });

  it('pages runs with a cursor and refuses a forged one', async () => {
    const { id } = await createDuckdb('paged-runs');
    for (let i = 0; i < 3; i++) await syncNow(id);
    const page1 = await t.gql(
      `query($id: ID!) { destination(id: $id) { runs(first: 2) { nodes { id } pageInfo { endCursor hasNextPage } } } }`,
      { id },
    );
    const runs1 = page1.body.data.destination.runs;
    expect([runs1.nodes.length, runs1.pageInfo.hasNextPage]).toEqual([2, true]);
    const page2 = await t.gql(
      `query($id: ID!, $after: String) { destination(id: $id) { runs(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage } } } }`,
      { id, after: runs1.pageInfo.endCursor },
    );
    expect(page2.body.data.destination.runs.nodes).toHaveLength(1);
    expect(page2.body.data.destination.runs.nodes[0].id).not.toBe(runs1.nodes[0].id);
    const forged = Buffer.from(`${new Date().toISOString()}|not-a-uuid`).toString('base64url');
    const bad = await t.gql(`query($id: ID!, $after: String) { destination(id: $id) { runs(after: $after) { nodes { id } } } }`, {
      id,
      after: forged,
    });
    expect(bad.body.errors![0]!.extensions!.code).toBe('INVALID_CURSOR');
  });

  it('refuses unknown plugins and invalid config with typed errors', async () => {
    const unknown = await t.gql(CREATE, { input: { name: 'x', pluginId: 'nope', config: {} } });
    expect(unknown.body.data.createDestination).toMatchObject({ code: 'UNKNOWN_PLUGIN' });
    const invalid = await t.gql(CREATE, { input: { name: 'x', pluginId: 'duckdb', config: { path: 42 } } });
    expect(invalid.body.data.createDestination).toMatchObject({ code: 'INVALID_CONFIG', field: 'config' });
  });

  it('records failed runs with a readable error, backs off, and marks the destination failing', async () => {
    const r = await t.gql(CREATE, {
      input: { name: 'down', pluginId: 'postgres', config: { url: 'postgres://u:p@127.0.0.1:1/nowhere', schema: 'x' } },
    });
    const id = r.body.data.createDestination.data.id;
    await t.capture('9005', '40', [{ time: Date.now(), type: 'navigate', url: 'https://shop.example/x' }]);
    let dest: any;
    for (let i = 0; i < 3; i++) {
      dest = await syncNow(id);
      expect(dest.runs.nodes[0]).toMatchObject({ status: 'failed', errorKind: 'retryable', attempts: 3 });
      expect(dest.runs.nodes[0].error).toMatch(/ECONNREFUSED|connect/i);
    }
    expect(dest.consecutiveFailures).toBe(3);
    expect(dest.status).toBe('FAILING');
    // backed off: the next run is after the failed one finished (tests shorten the delay to ms,
    // so comparing with now() would depend on how fast this machine is)
    const [state] = await t.db.rows<{ next: string }>(sql`
      select next_run_time > (select max(finished_time) from sync_runs where destination_id = ${id}) as next from destinations where id = ${id}`);
    expect(state!.next).toBe(true);
  });
});

const warehouseUrl = process.env.TRIBUTARY_WAREHOUSE_PG_URL ?? testPostgresUrl();
const hasWarehouse = requirement('a Postgres warehouse', warehouseUrl !== undefined, 'set TRIBUTARY_WAREHOUSE_PG_URL or DATABASE_URL');

describe.runIf(hasWarehouse)('sync to a postgres destination', () => {
  // On a Postgres store the rows go as COPY text straight from the store to the warehouse; on
  // PGlite as row objects. Either way the warehouse must hold exactly what the DuckDB destination
  // (always row objects) holds.
  it('sends the same rows as the row path, escapes and all, tombstones and filters included', async () => {
    const schema = `sync_${Date.now().toString(36)}_${process.pid}`;
    const wh = postgres(warehouseUrl!, { max: 1, onnotice: () => {} });
    try {
      const created = await t.gql(CREATE, {
        input: { name: 'pg', pluginId: 'postgres', config: { url: warehouseUrl, schema }, eventTypesExclude: ['load'] },
      });
      const pg = created.body.data.createDestination.data.id as string;
      const duck = await createDuckdb('twin', { eventTypesExclude: ['load'] });
      const tricky = 'tab\there, newline\nthere, back\\slash, "quotes", ünïcødé 🚀, nul \u0000 end';
      await t.capture('9010', '90', [
        { time: '2026-11-26T10:00:00.000001Z', type: 'navigate', url: 'https://shop.example/p?q=a%09b#/x' },
        { time: '2026-11-26T10:00:02Z', type: 'custom', properties: { event_name: tricky, [tricky]: [tricky, 1.5, null, true] } },
        { time: '2026-11-26T10:00:03Z', type: 'load', properties: { load_time_millis: 5 } },
        { time: '2026-11-26T10:00:04Z', type: 'click', target: { text: tricky, path: [{ tag: 'button', id: 'b\\1' }, { tag: 'body' }] } },
      ]);
      await syncNow(pg);
      await syncNow(duck.id);
      // late: re-emits the custom event, the load and the click, tombstoning their first rows; the
      // load's tombstone changes nothing in warehouses that never received its row
      await t.capture('9010', '90', [{ time: '2026-11-26T10:00:01Z', type: 'navigate', url: 'https://shop.example/late' }]);
      const pgRun = await syncNow(pg);
      await syncNow(duck.id);
      expect(pgRun.runs.nodes[0]).toMatchObject({ status: 'succeeded' });

      const fromPg = await wh.unsafe(`select event_id, to_char(event_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as event_time,
        to_char(processed_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as processed_time, device_id::text, session_id::text,
        view_id::text, event_type, event_properties, source_type, source_properties from ${schema}.events where device_id = 9010 order by event_id`);
      const fromDuck = await queryDuckdb<any>(
        duck.file,
        `select event_id, strftime(event_time at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%f') as event_time,
        strftime(processed_time at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%f') as processed_time, device_id::text as device_id, session_id::text as session_id,
        view_id::text as view_id, event_type, event_properties::text as ep, source_type, source_properties::text as sp
        from events where device_id = 9010 order by event_id`,
      );
      const parse = (text: string | null) => (text === null ? null : JSON.parse(text));
      // navigate, late navigate, custom and click twice (first rows now tombstones); no load
      expect(fromPg.length).toBe(6);
      expect([...fromPg]).toEqual(
        fromDuck.map(({ ep, sp, ...rest }) => ({ ...rest, event_properties: parse(ep), source_properties: parse(sp) })),
      );
      const custom = fromPg.find((r) => r.event_type === 'custom')!;
      expect(custom.event_properties.event_name).toBe(tricky.replace('\u0000', '\ufffd'));
      expect(fromPg.filter((r) => r.event_type === null)).toHaveLength(2);
      expect(fromPg.map((r) => r.event_time)).toContain('2026-11-26T10:00:00.000001');
      expect(await wh.unsafe(`select count(*)::int as n from ${schema}.raw_events`)).toEqual([{ n: 0 }]);
    } finally {
      await wh.unsafe(`drop schema if exists ${schema} cascade`);
      await wh.end();
    }
  });
});
