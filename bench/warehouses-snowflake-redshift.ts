/**
 * Sync benchmark of the Snowflake and Redshift destinations through their real SDKs against the
 * protocol fakes of test/fakes/ (DuckDB behind Snowflake; the Postgres of DATABASE_URL behind
 * Redshift, with S3 on moto). Rows are
 * generated lazily in batches of 5,000, as the sync host streams them. Besides rows/s it prints
 * the warehouse statements and HTTP round trips of one sync, which must not grow per row.
 *
 * The fakes run the SQL on a local engine, so rows/s measures the plugin + SDK + fake + engine on
 * this machine, not a warehouse: read it as "the client side is not the bottleneck", nothing more.
 *
 *   npx tsx bench/warehouses-snowflake-redshift.ts 100000              # both
 *   npx tsx bench/warehouses-snowflake-redshift.ts 100000 snowflake    # one
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { DescribeStatementCommand, RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import postgres from 'postgres';
import redshiftDestination from '../plugins/redshift/index.ts';
import { EVENT_ROW_COLUMNS, encodeCopyText, parseDestinationConfig, silentLogger } from '@tributary/destination-sdk';
import { FAKE_COPY_ROLE, RedshiftDataFake } from '../test/fakes/redshift-data-fake.ts';
import { createMotoBucket, startMotoServer } from '../test/support/moto.ts';
// Snowflake's benchmark lives in a file of its own, which loads nothing but the Snowflake plugin
// (its peak RSS is the point); it is re-exported here so this file's main runs both.
import { benchSnowflake } from './warehouses-snowflake.ts';
import { lazyRows } from './warehouse-rows.ts';

export { benchSnowflake };

/** What one sync measured. */
export interface WarehouseBenchResult {
  warehouse: 'snowflake' | 'redshift';
  rows: number;
  seconds: number;
  rowsPerSec: number;
  /** SQL statements the plugin sent during the load (each statement of a batch counted). */
  statements: number;
  /** HTTP requests the fake received during the load (login, polls and pages included). */
  httpRoundTrips: number;
  peakRssMb: number;
}

function rssSampler(): { stop: () => number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage().rss) / 1e6);
    },
  };
}

/** What one Redshift sync measured, beyond the common figures. */
export interface RedshiftBenchResult extends WarehouseBenchResult {
  /** Data API calls of the load by operation (DescribeStatement = polls). */
  dataApiCalls: Record<string, number>;
  /** S3 requests of the load (file and manifest uploads, the one DeleteObjects). */
  s3Requests: number;
  /** RSS of the process before the load (runtime, SDKs, both fakes' modules). */
  startRssMb: number;
  /** Peak RSS of the process while the plugin encodes, compresses and uploads (before the batch). */
  pluginPeakRssMb: number;
  /** Seconds spent writing the gzip files, uploading them, and in the Data API batch. */
  phases: { write: number; upload: number; batch: number };
  /** Seconds of the batch's COPY and of the merge statements, as DescribeStatement reports them. */
  copySeconds: number;
  mergeSeconds: number;
  /** Postgres' own COPY of the same rows (generated alike, streamed as COPY text) into an identical table. */
  baseline: { seconds: number; rowsPerSec: number };
  mergedEventTimeRange: unknown;
}

/**
 * Syncs `rows` rows through the Redshift plugin against the Data API fake, with S3 on moto (the
 * server TRIBUTARY_S3_ENDPOINT names, or one started here) and the fake's engine on the Postgres
 * of `databaseUrl` (a test database). Then loads the same rows with
 * Postgres' own COPY into an identical table: the engine's bulk-load speed, for the ratio.
 */
export async function benchRedshift(rows: number, databaseUrl = process.env.DATABASE_URL): Promise<RedshiftBenchResult> {
  if (!databaseUrl)
    throw new Error('the Redshift bench needs DATABASE_URL (a Postgres test database): the fake runs on it, and so does the baseline');
  // It drops and recreates the schema `bench` there.
  if (!/test/.test(new URL(databaseUrl).pathname)) throw new Error('the Redshift bench runs only on a database whose name contains "test"');
  const moto = process.env.TRIBUTARY_S3_ENDPOINT
    ? { endpoint: process.env.TRIBUTARY_S3_ENDPOINT, stop: () => {} }
    : await startMotoServer();
  const fake = await RedshiftDataFake.start({ awsEndpoint: moto.endpoint, databaseUrl });
  try {
    await fake.query('DROP SCHEMA IF EXISTS bench CASCADE');
    const bucket = await createMotoBucket('us-east-1', moto.endpoint);
    const config = parseDestinationConfig(redshiftDestination, {
      region: 'us-east-1',
      clusterIdentifier: 'tributary-cluster',
      dbUser: 'tributary',
      database: 'dev',
      accessKeyId: 'AKIAFAKEFAKEFAKE0001',
      secretAccessKey: 'fake',
      s3Bucket: bucket,
      iamRoleArn: FAKE_COPY_ROLE,
      schema: 'bench',
      endpoint: fake.endpoint,
      s3Endpoint: moto.endpoint,
      // Against the fake a statement finishes in milliseconds to minutes; real clusters need the defaults.
      pollInitialMs: 2,
      pollMaxMs: 200,
    });
    const setup = await redshiftDestination.connect(config, { logger: silentLogger });
    await setup.ensureTables();
    await setup.close();

    let firstPut = 0;
    let batchSubmitted = 0;
    // The plugin's own peak: up to the batch, while it encodes, compresses and uploads (afterwards
    // it only polls while the fake, in this same process, runs COPY and the merge).
    const startRssMb = Math.round(process.memoryUsage().rss / 1e6);
    const plugin = rssSampler();
    let pluginPeakRssMb = 0;
    let s3Requests = 0;
    let mergedEventTimeRange: unknown;
    const started = performance.now();
    const result = await measure('redshift', rows, fake, async (onStatement) => {
      const connection = await redshiftDestination.connect(config, {
        logger: silentLogger,
        onStatement: (statement) => {
          if (/^(put|delete) s3:/.test(statement)) {
            s3Requests += 1;
            firstPut ||= performance.now();
            return;
          }
          if (!batchSubmitted) {
            batchSubmitted = performance.now();
            pluginPeakRssMb = plugin.stop();
          }
          onStatement(statement);
        },
      });
      try {
        mergedEventTimeRange = (await connection.loadEvents(lazyRows(rows))).mergedEventTimeRange;
      } finally {
        await connection.close();
      }
    });
    const ended = started + result.seconds * 1000;
    const dataApiCalls: Record<string, number> = {};
    for (const request of fake.requests) dataApiCalls[request.operation] = (dataApiCalls[request.operation] ?? 0) + 1;
    const batch = fake.requests.find((r) => r.operation === 'BatchExecuteStatement' && r.statementId);
    const api = new RedshiftDataClient({
      region: 'us-east-1',
      endpoint: fake.endpoint,
      credentials: { accessKeyId: 'AKIAFAKEFAKEFAKE0001', secretAccessKey: 'fake' },
    });
    const subs = (await api.send(new DescribeStatementCommand({ Id: batch!.statementId! }))).SubStatements ?? [];
    api.destroy();
    const seconds = (ns: number | undefined) => Math.round((ns ?? 0) / 1e7) / 100;
    const copySeconds = seconds(subs.find((sub) => sub.QueryString?.startsWith('COPY'))?.Duration);
    const mergeSeconds = seconds(
      subs.filter((sub) => !sub.QueryString?.startsWith('COPY')).reduce((sum, sub) => sum + (sub.Duration ?? 0), 0),
    );

    // The baseline: Postgres' own COPY of the same rows, generated the same way (so both sides
    // pay for making the rows) and streamed as COPY text into an identical table.
    await fake.query('CREATE TABLE bench.raw_events_baseline (LIKE bench.raw_events)');
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const baselineStarted = performance.now();
    await pipeline(
      Readable.from(
        (async function* () {
          for await (const batchRows of lazyRows(rows)) yield encodeCopyText(batchRows).text;
        })(),
      ),
      await sql`COPY bench.raw_events_baseline (${sql.unsafe(EVENT_ROW_COLUMNS.join(', '))}) FROM STDIN`.writable(),
    );
    await sql.end();
    const baselineSeconds = (performance.now() - baselineStarted) / 1000;
    await fake.query('DROP SCHEMA bench CASCADE');
    return {
      ...result,
      dataApiCalls,
      s3Requests,
      startRssMb,
      pluginPeakRssMb,
      phases: {
        write: Math.round((firstPut - started) / 10) / 100,
        upload: Math.round((batchSubmitted - firstPut) / 10) / 100,
        batch: Math.round((ended - batchSubmitted) / 10) / 100,
      },
      copySeconds,
      mergeSeconds,
      baseline: { seconds: Math.round(baselineSeconds * 100) / 100, rowsPerSec: Math.round(rows / baselineSeconds) },
      mergedEventTimeRange,
    };
  } finally {
    await fake.close();
    moto.stop();
  }
}

async function measure(
  warehouse: WarehouseBenchResult['warehouse'],
  rows: number,
  fake: { clearLog(): void; requests: unknown[] },
  sync: (onStatement: (statement: string) => void) => Promise<void>,
): Promise<WarehouseBenchResult> {
  fake.clearLog();
  let statements = 0;
  const rss = rssSampler();
  const started = performance.now();
  await sync((statement) => {
    if (!statement.startsWith('login ')) statements += 1;
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    warehouse,
    rows,
    seconds: Math.round(seconds * 100) / 100,
    rowsPerSec: Math.round(rows / seconds),
    statements,
    httpRoundTrips: fake.requests.length,
    peakRssMb: rss.stop(),
  };
}

/** The Redshift figures beyond the common line: calls, phases, and the ratio to Postgres' own COPY. */
export function printRedshiftDetails(result: RedshiftBenchResult): void {
  const loadSeconds = result.phases.write + result.phases.upload + result.copySeconds;
  const calls = Object.entries(result.dataApiCalls)
    .map(([operation, n]) => `${operation} ${n}`)
    .join(', ');
  console.log(
    `          Data API calls: ${calls}; S3 requests ${result.s3Requests}; RSS before the load ${result.startRssMb} MB, peak until the batch (the plugin's part) ${result.pluginPeakRssMb} MB\n` +
      `          phases: write files ${result.phases.write} s, upload ${result.phases.upload} s, batch ${result.phases.batch} s (COPY ${result.copySeconds} s, merge ${result.mergeSeconds} s)\n` +
      `          Postgres COPY of the same rows: ${result.baseline.seconds} s, ${result.baseline.rowsPerSec} rows/s; ` +
      `baseline/load (rows → raw_events: write, upload, COPY; ${loadSeconds.toFixed(2)} s) = ${(result.baseline.seconds / loadSeconds).toFixed(2)}, ` +
      `baseline/sync (with the merge) = ${(result.rowsPerSec / result.baseline.rowsPerSec).toFixed(2)}, ` +
      `fake's COPY / Postgres COPY = ${(result.baseline.seconds / result.copySeconds).toFixed(2)}\n` +
      `          merged event_time range: ${JSON.stringify(result.mergedEventTimeRange)}`,
  );
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 100_000);
  const which = process.argv[3];
  if (!Number.isInteger(rows) || rows <= 0) throw new Error('usage: bench/warehouses-snowflake-redshift.ts <rows> [snowflake|redshift]');
  for (const [name, bench] of [
    ['snowflake', benchSnowflake],
    ['redshift', benchRedshift],
  ] as const) {
    if (which && which !== name) continue;
    const result = await bench(rows);
    console.log(
      `${name.padEnd(9)} ${String(result.rows).padStart(9)} rows  ${String(result.seconds).padStart(8)} s  ` +
        `${String(result.rowsPerSec).padStart(7)} rows/s  ${result.statements} statements  ` +
        `${result.httpRoundTrips} HTTP round trips  peak RSS ${result.peakRssMb} MB`,
    );
    if (name === 'redshift') printRedshiftDetails(result as RedshiftBenchResult);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
