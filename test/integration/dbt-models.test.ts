/**
 * The dbt package (dbt/) run by dbt itself on warehouses Tributary filled: events captured over
 * HTTP, a late event that re-emits a page view (leaving a tombstone), two syncs, then `dbt build`
 * (models and their tests) on the DuckDB and the Postgres destinations, and the models checked.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { queryDuckdb } from '../support/duckdb.ts';
import { requirement } from '../support/requirements.ts';

const DBT = process.env.TRIBUTARY_DBT ?? 'dbt';
const dbtAvailable = requirement(
  'dbt (with the duckdb and postgres adapters)',
  spawnSync(DBT, ['--version'], { encoding: 'utf8' }).stdout?.includes('duckdb') === true,
  'pip install dbt-core dbt-duckdb dbt-postgres, or point TRIBUTARY_DBT at its dbt',
);
const warehouseUrl = process.env.TRIBUTARY_WAREHOUSE_PG_URL;
const postgresAvailable = requirement('a warehouse Postgres', warehouseUrl !== undefined, 'set TRIBUTARY_WAREHOUSE_PG_URL');

let t: TestApp;
let dir: string;
beforeAll(async () => {
  if (!dbtAvailable) return;
  t = await startTestApp();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-dbt-'));
});
afterAll(async () => {
  if (!dbtAvailable) return;
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const base = Date.parse('2026-11-26T10:00:00Z');
const at = (s: number) => new Date(base + s * 1000).toISOString();

const CREATE = `mutation($input: DestinationInput!) { createDestination(input: $input) {
  __typename ... on DestinationCreated { data { id } } ... on ValidationError { code message } } }`;

async function syncAll(ids: string[]) {
  for (const id of ids) {
    const r = await t.gql(`mutation($id: ID!) { syncDestinationNow(id: $id) { __typename } }`, { id });
    expect(r.body.errors).toBeUndefined();
    await t.app.sync.scheduler.runDue();
    const runs = await t.gql(`query($id: ID!) { destination(id: $id) { runs(first: 1) { nodes { status error } } } }`, { id });
    expect(runs.body.data.destination.runs.nodes[0]).toMatchObject({ status: 'succeeded' });
  }
}

function dbtBuild(name: string, profile: Record<string, unknown>, sourceSchema: string) {
  const folder = path.join(dir, name);
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, 'profiles.yml'), JSON.stringify({ tributary: { target: name, outputs: { [name]: profile } } }));
  const result = spawnSync(
    DBT,
    [
      '--no-use-colors',
      'build',
      '--project-dir',
      'dbt',
      '--profiles-dir',
      folder,
      '--target-path',
      path.join(folder, 'target'),
      '--log-path',
      folder,
      '--vars',
      JSON.stringify({ tributary_schema: sourceSchema }),
    ],
    { encoding: 'utf8', env: { ...process.env, DBT_SEND_ANONYMOUS_USAGE_STATS: 'false' } },
  );
  expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  // every node ran and passed: 5 models, 17 column tests, 2 singular tests and the source's 2
  expect(result.stdout).toMatch(/PASS=26 WARN=0 ERROR=0 SKIP=0/);
}

// What the capture below must give, whatever the warehouse.
const EXPECTED_PAGE_VIEWS = [
  // device 71001: the late /late navigate (its click re-emitted under a new id)
  { device_id: '71001', page_path: '/home', page_view_number: 1, seconds_to_next_page_view: 10 },
  { device_id: '71001', page_path: '/late', page_view_number: 2, seconds_to_next_page_view: 10 },
  { device_id: '71001', page_path: '/product', page_view_number: 3, seconds_to_next_page_view: 20 },
  { device_id: '71001', page_path: '/cart', page_view_number: 4, seconds_to_next_page_view: null },
  { device_id: '71002', page_path: '/home', page_view_number: 1, seconds_to_next_page_view: null },
  { device_id: '71003', page_path: '/home', page_view_number: 1, seconds_to_next_page_view: null },
];
const EXPECTED_SESSIONS = [
  { session_key: '71001:1', user_id: 'u-1', events: 7, page_views: 4, duration_seconds: 50, entry_page_path: '/home' },
  { session_key: '71002:1', user_id: null, events: 2, page_views: 1, duration_seconds: 1, entry_page_path: '/home' },
  { session_key: '71003:1', user_id: 'u-1', events: 2, page_views: 1, duration_seconds: 1, entry_page_path: '/home' },
];
const EXPECTED_USERS = [
  { user_key: 'device:71002', user_id: null, user_email: null, devices: 1, sessions: 1, events: 2, page_views: 1 },
  { user_key: 'user:u-1', user_id: 'u-1', user_email: 'ada@example.com', devices: 2, sessions: 2, events: 9, page_views: 5 },
];

const PAGE_VIEWS_SQL = `select cast(device_id as varchar) as device_id, page_path, cast(page_view_number as integer) as page_view_number,
  cast(seconds_to_next_page_view as integer) as seconds_to_next_page_view from SCHEMA.tributary_page_views order by device_id, page_view_number`;
const SESSIONS_SQL = `select session_key, user_id, cast(events as integer) as events, cast(page_views as integer) as page_views,
  cast(duration_seconds as integer) as duration_seconds, entry_page_path from SCHEMA.tributary_sessions order by session_key`;
const USERS_SQL = `select user_key, user_id, user_email, cast(devices as integer) as devices, cast(sessions as integer) as sessions,
  cast(events as integer) as events, cast(page_views as integer) as page_views from SCHEMA.tributary_users order by user_key`;

describe.runIf(dbtAvailable)('the dbt package on synced warehouses', () => {
  it('builds sessions, users and page views, tombstones dropped, on DuckDB and Postgres', async () => {
    const destinations: { id: string; kind: 'duckdb' | 'postgres'; config: Record<string, string> }[] = [
      { id: '', kind: 'duckdb', config: { path: 'warehouse.duckdb' } },
    ];
    const pgSchema = `dbt_${Date.now().toString(36)}`;
    if (postgresAvailable) destinations.push({ id: '', kind: 'postgres', config: { url: warehouseUrl!, schema: pgSchema } });
    for (const d of destinations) {
      const r = await t.gql(CREATE, { input: { name: `dbt ${d.kind}`, pluginId: d.kind, config: d.config } });
      expect(r.body.errors).toBeUndefined();
      d.id = r.body.data.createDestination.data.id;
    }

    const target = { text: 'Buy', path: [{ tag: 'button', id: 'buy' }, { tag: 'body' }, { tag: 'html' }] };
    await t.capture('71001', '11', [
      { time: at(0), type: 'navigate', url: 'https://shop.example/home', title: 'Home' },
      { time: at(12), type: 'click', target },
      { time: at(20), type: 'navigate', url: 'https://shop.example/product' },
    ]);
    await t.capture('71001', '12', [
      { time: at(40), type: 'navigate', url: 'https://shop.example/cart' },
      { time: at(45), type: 'identify', properties: { user_id: 'u-1', user_email: 'ada@example.com' } },
      { time: at(50), type: 'custom', properties: { event_name: 'Checkout started' } },
    ]);
    await t.capture('71002', '21', [
      { time: at(100), type: 'navigate', url: 'https://shop.example/home' },
      { time: at(101), type: 'click', target },
    ]);
    await t.capture('71003', '31', [
      { time: at(200), type: 'navigate', url: 'https://shop.example/home' },
      { time: at(201), type: 'identify', properties: { user_id: 'u-1' } },
    ]);
    const ids = destinations.map((d) => d.id);
    await syncAll(ids);
    // late: /late comes before the click in view 11, whose page changes from /home to /late: the
    // click is re-emitted and its synced row becomes a tombstone in the next sync
    await t.capture('71001', '11', [{ time: at(10), type: 'navigate', url: 'https://shop.example/late' }]);
    await syncAll(ids);

    const duckFile = path.join(t.config.destinationFilesDir, 'warehouse.duckdb');
    const tombstones = await queryDuckdb(duckFile, `select count(*)::integer as n from main.events where event_type is null`);
    expect(tombstones).toEqual([{ n: 1 }]);
    dbtBuild('duckdb', { type: 'duckdb', path: duckFile, schema: 'analytics', threads: 1 }, 'main');
    const duck = (sql: string) => queryDuckdb(duckFile, sql.replace('SCHEMA', 'analytics'));
    expect(await duck(PAGE_VIEWS_SQL)).toEqual(EXPECTED_PAGE_VIEWS);
    expect(await duck(SESSIONS_SQL)).toEqual(EXPECTED_SESSIONS);
    expect(await duck(USERS_SQL)).toEqual(EXPECTED_USERS);

    if (!postgresAvailable) return;
    const url = new URL(warehouseUrl!);
    const modelsSchema = `${pgSchema}_models`;
    dbtBuild(
      'postgres',
      {
        type: 'postgres',
        host: url.hostname,
        port: Number(url.port || 5432),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        dbname: url.pathname.slice(1),
        schema: modelsSchema,
        threads: 1,
      },
      pgSchema,
    );
    const sql = postgres(warehouseUrl!, { max: 1, onnotice: () => {} });
    try {
      const pg = async (text: string) => (await sql.unsafe(text.replace('SCHEMA', modelsSchema))).map((row) => ({ ...row }));
      expect(await pg(PAGE_VIEWS_SQL)).toEqual(EXPECTED_PAGE_VIEWS);
      expect(await pg(SESSIONS_SQL)).toEqual(EXPECTED_SESSIONS);
      expect(await pg(USERS_SQL)).toEqual(EXPECTED_USERS);
    } finally {
      await sql.unsafe(`drop schema if exists ${pgSchema} cascade; drop schema if exists ${modelsSchema} cascade`);
      await sql.end();
    }
  }, 180_000);
});
