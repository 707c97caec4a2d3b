/**
 * The time to carry out a deletion request in a warehouse that already holds many rows: one
 * device's rows deleted through the plugin (a load with nothing to merge and one device in
 * `deleteDeviceIds`, as the host sends it), beside the engine's own `DELETE … WHERE device_id = …`
 * of another device in the same run.
 *
 *   DATABASE_URL=…test TRIBUTARY_S3_ENDPOINT=… npx tsx bench/deletions.ts [rows=10000000] [warehouses=duckdb,postgres,redshift,snowflake,bigquery]
 *
 * The warehouse is filled by its engine directly (`INSERT … SELECT` of generated rows, 100 rows
 * per device), then the plugin deletes. Needs DATABASE_URL (Postgres and the Redshift fake run on
 * it) and, for Redshift, moto (TRIBUTARY_S3_ENDPOINT).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import postgresClient from 'postgres';
import duckdbDestination from '../plugins/duckdb/index.ts';
import postgresDestination from '../plugins/postgres/index.ts';
import redshiftDestination from '../plugins/redshift/index.ts';
import snowflakeDestination from '../plugins/snowflake/index.ts';
import { createBigqueryDestination } from '../plugins/bigquery/index.ts';
import { parseDestinationConfig, silentLogger, type DestinationDefinition, type EventRow } from '@tributary/destination-sdk';
import { FAKE_COPY_ROLE, RedshiftDataFake } from '../test/fakes/redshift-data-fake.ts';
import { SnowflakeFake } from '../test/fakes/snowflake-fake.ts';
import { startBigqueryFake } from '../test/fakes/bigquery-fake.ts';
import { staticTokenClient, testServiceAccount } from '../test/fakes/bigquery-helpers.ts';
import { createMotoBucket } from '../test/support/moto.ts';

const rows = Number(process.argv[2] ?? 10_000_000);
const warehouses = (process.argv[3] ?? 'duckdb,postgres,redshift,snowflake,bigquery').split(',');
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl || !/test/.test(new URL(databaseUrl).pathname)) {
  console.error('bench/deletions.ts needs DATABASE_URL naming a test database');
  process.exit(2);
}
const ROWS_PER_DEVICE = 100;
const devices = Math.ceil(rows / ROWS_PER_DEVICE);
/** The device whose rows the plugin deletes, and the one the engine deletes itself (baseline). */
const [pluginDevice, engineDevice] = [String(1_000_000 + Math.floor(devices / 2)), String(1_000_000 + Math.floor(devices / 3))];

/** A generated events row for row number `g` (SQL over a series `g`), the same on every engine. */
const COLUMNS =
  '(event_id, event_time, processed_time, updated_time, device_id, session_id, view_id, event_type, event_properties, source_type, source_properties)';
const generated = (g: string, cast: (expr: string) => string, div = '/') => `
  'ev' || lpad(${cast(g)}, 12, '0'), timestamptz '2026-11-26 00:00:00+00' + ${g} * interval '1 millisecond',
  timestamptz '2026-11-26 01:00:00+00', timestamptz '2026-11-26 01:00:00+00', 1000000 + ${g} ${div} ${ROWS_PER_DEVICE}, 1, ${g} ${div} 10,
  'click', '{"target":{"text":"Buy"}}', 'web', '{"url":{"path":"/p"}}'`;

/** The statement that fills `schema`.events with `rows` generated rows, on a DuckDB or a Postgres engine. */
function fillSql(engine: 'duckdb' | 'postgres', schema: string): string {
  return engine === 'duckdb'
    ? `INSERT INTO ${schema}.events ${COLUMNS} SELECT ${generated('g', (e) => `${e}::VARCHAR`, '//')} FROM range(${rows}) t(g)`
    : `INSERT INTO ${schema}.events ${COLUMNS} SELECT ${generated('g', (e) => `${e}::text`)} FROM generate_series(0, ${rows - 1}) g`;
}

async function timed(what: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await what();
  return performance.now() - started;
}

/** Deletes `pluginDevice` through the plugin; returns ms and the rows it reports. */
async function throughPlugin(definition: DestinationDefinition, config: Record<string, unknown>) {
  const connection = await definition.connect(config, { logger: silentLogger });
  let rowsDeleted: number | undefined;
  try {
    const ms = await timed(async () => {
      const none = (async function* (): AsyncGenerator<EventRow[]> {
        // a load with no rows: it only deletes
      })();
      rowsDeleted = (await connection.loadEvents(none, { deleteDeviceIds: [pluginDevice] })).rowsDeleted;
    });
    return { ms, rowsDeleted };
  } finally {
    await connection.close();
  }
}

function report(name: string, fillMs: number, plugin: { ms: number; rowsDeleted?: number }, engineMs: number, left: number) {
  console.log(
    `| ${name} | ${rows.toLocaleString('en')} | ${(fillMs / 1000).toFixed(1)} s | ${plugin.ms.toFixed(0)} ms (${plugin.rowsDeleted ?? '?'} rows) | ${engineMs.toFixed(0)} ms | ${(plugin.ms / engineMs).toFixed(2)} | ${left} |`,
  );
}

type Query = (statement: string) => Promise<readonly Record<string, unknown>[]>;

/**
 * One warehouse reached through `query` (its engine, schema `bench_deletions`): the plugin creates
 * the tables, `fill` fills them, the engine deletes `engineDevice`, the plugin `pluginDevice`.
 */
async function measureOn(
  name: string,
  definition: DestinationDefinition,
  config: Record<string, unknown>,
  query: Query,
  fill: () => Promise<unknown>,
) {
  const setup = await definition.connect(config, { logger: silentLogger });
  await setup.ensureTables();
  await setup.close();
  const fillMs = await timed(fill);
  const engineMs = await timed(() => query(`DELETE FROM bench_deletions.events WHERE device_id = ${engineDevice}`));
  const plugin = await throughPlugin(definition, config);
  const [left] = await query(`SELECT count(*)::INTEGER AS n FROM bench_deletions.events WHERE device_id = ${pluginDevice}`);
  report(name, fillMs, plugin, engineMs, Number(left!.n));
}

console.log(`\nDeleting one device (${ROWS_PER_DEVICE} rows) from a warehouse of ${rows.toLocaleString('en')} rows`);
console.log('| warehouse | rows | fill | through the plugin | engine DELETE of another device | ratio | rows of the device left |');
console.log('|---|---|---|---|---|---|---|');

if (warehouses.includes('duckdb')) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-deletions-'));
  const file = path.join(dir, 'warehouse.duckdb');
  const config = parseDestinationConfig(duckdbDestination as DestinationDefinition, { path: file, memoryLimit: '1GB' });
  const setup = await (duckdbDestination as DestinationDefinition).connect(config, { logger: silentLogger });
  await setup.ensureTables();
  await setup.close();
  const instance = await DuckDBInstance.create(file);
  const c = await instance.connect();
  const fillMs = await timed(() => c.run(fillSql('duckdb', 'main')));
  const engineMs = await timed(() => c.run(`DELETE FROM main.events WHERE device_id = ${engineDevice}`));
  c.closeSync();
  instance.closeSync();
  const plugin = await throughPlugin(duckdbDestination as DestinationDefinition, config);
  const check = await (await DuckDBInstance.create(file)).connect();
  const left = Number((await check.runAndReadAll(`SELECT count(*) FROM main.events WHERE device_id = ${pluginDevice}`)).getRows()[0]![0]);
  check.closeSync();
  report('duckdb', fillMs, plugin, engineMs, left);
  fs.rmSync(dir, { recursive: true, force: true });
}

if (warehouses.includes('postgres')) {
  const url = process.env.TRIBUTARY_WAREHOUSE_PG_URL ?? databaseUrl;
  const sql = postgresClient(url, { max: 1, onnotice: () => {} });
  await sql.unsafe('DROP SCHEMA IF EXISTS bench_deletions CASCADE');
  const config = parseDestinationConfig(postgresDestination as DestinationDefinition, { url, schema: 'bench_deletions' });
  await measureOn(
    'postgres',
    postgresDestination as DestinationDefinition,
    config,
    (statement) => sql.unsafe(statement),
    async () => {
      await sql.unsafe(fillSql('postgres', 'bench_deletions'));
      await sql.unsafe('VACUUM ANALYZE bench_deletions.events');
    },
  );
  await sql.unsafe('DROP SCHEMA bench_deletions CASCADE');
  await sql.end();
}

if (warehouses.includes('redshift')) {
  const moto = process.env.TRIBUTARY_S3_ENDPOINT;
  if (!moto) throw new Error('the Redshift part needs moto: TRIBUTARY_S3_ENDPOINT');
  const fake = await RedshiftDataFake.start({ awsEndpoint: moto, databaseUrl });
  try {
    await fake.query('DROP SCHEMA IF EXISTS bench_deletions CASCADE');
    const config = parseDestinationConfig(redshiftDestination as DestinationDefinition, {
      region: 'us-east-1',
      clusterIdentifier: 'tributary-cluster',
      dbUser: 'tributary',
      database: 'dev',
      accessKeyId: 'AKIAFAKEFAKEFAKE0001',
      secretAccessKey: 'fake',
      s3Bucket: await createMotoBucket('us-east-1', moto),
      iamRoleArn: FAKE_COPY_ROLE,
      schema: 'bench_deletions',
      endpoint: fake.endpoint,
      s3Endpoint: moto,
      pollInitialMs: 2,
      pollMaxMs: 200,
    });
    await measureOn(
      'redshift (Data API fake on Postgres)',
      redshiftDestination as DestinationDefinition,
      config,
      (statement) => fake.query(statement),
      () => fake.query(fillSql('postgres', 'bench_deletions')),
    );
    await fake.query('DROP SCHEMA bench_deletions CASCADE');
  } finally {
    await fake.close();
  }
}

if (warehouses.includes('snowflake')) {
  const fake = await SnowflakeFake.start();
  try {
    const config = parseDestinationConfig(snowflakeDestination as DestinationDefinition, {
      account: 'bench',
      username: 'tributary',
      password: 'secret',
      warehouse: 'WH',
      database: 'DB',
      schema: 'bench_deletions',
      accessUrl: fake.accessUrl,
    });
    await measureOn(
      'snowflake (SQL API fake on DuckDB)',
      snowflakeDestination as DestinationDefinition,
      config,
      (statement) => fake.query(statement),
      () => fake.query(fillSql('duckdb', 'bench_deletions')),
    );
  } finally {
    await fake.close();
  }
}

if (warehouses.includes('bigquery')) {
  const fake = await startBigqueryFake({});
  try {
    const bigquery = createBigqueryDestination({ authClient: staticTokenClient(), pollIntervalMs: 5 }) as DestinationDefinition;
    const config = parseDestinationConfig(bigquery, {
      projectId: fake.projectId,
      datasetId: 'bench_deletions',
      serviceAccountKey: testServiceAccount().keyJson,
      apiEndpoint: fake.url,
    });
    await measureOn(
      'bigquery (REST fake on DuckDB)',
      bigquery,
      config,
      (statement) => fake.query(statement),
      () => fake.query(fillSql('duckdb', 'bench_deletions')),
    );
  } finally {
    await fake.close();
  }
}
