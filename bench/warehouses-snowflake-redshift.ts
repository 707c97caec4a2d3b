/**
 * Sync benchmark of the Snowflake and Redshift destinations through their real SDKs against the
 * protocol fakes of test/fakes/ (DuckDB behind Snowflake, PGlite behind Redshift). Rows are
 * generated lazily in batches of 5,000, as the sync host streams them. Besides rows/s it prints
 * the warehouse statements and HTTP round trips of one sync, which must not grow per row.
 *
 * The fakes run the SQL on a local engine, so rows/s measures the plugin + SDK + fake + engine on
 * this machine, not a warehouse: read it as "the client side is not the bottleneck", nothing more.
 *
 *   npx tsx bench/warehouses-snowflake-redshift.ts 100000              # both
 *   npx tsx bench/warehouses-snowflake-redshift.ts 100000 snowflake    # one
 */
import { pathToFileURL } from 'node:url';
import redshiftDestination from '../plugins/redshift/index.ts';
import { parseDestinationConfig, silentLogger } from '../plugins/sdk/index.ts';
import type { EventRow } from '../plugins/sdk/index.ts';
import { RedshiftDataFake } from '../test/fakes/redshift-data-fake.ts';
// Snowflake's benchmark lives in a file of its own, which loads nothing but the Snowflake plugin
// (its peak RSS is the point); it is re-exported here so this file's main runs both.
import { benchSnowflake } from './warehouses-snowflake.ts';

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

const BATCH_SIZE = 5_000;
const EVENT_TYPES = ['navigate', 'click', 'click', 'click', 'change', 'custom', 'identify', 'element_seen'];

// A realistic row (about 600 bytes of values), like the contract kit's sample events.
function benchEvent(i: number): EventRow {
  const micros = String((i * 7919) % 1_000_000).padStart(6, '0');
  const second = String(i % 60).padStart(2, '0');
  return {
    event_id: `bench-${i}`,
    event_time: `2026-11-26T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${second}.${micros}Z`,
    processed_time: `2026-11-26T11:00:${second}.${micros}Z`,
    device_id: String(1_000_000_007 * (i % 50_000)),
    session_id: String(4_000_000_000_000 + Math.floor(i / 20)),
    view_id: String(Math.floor(i / 5)),
    event_type: EVENT_TYPES[i % EVENT_TYPES.length]!,
    event_properties: JSON.stringify({
      event_definition_id: `def-${i % 17}`,
      target: { text: `Add to cart ${i}`, masked: false, raw_selector: 'main > div.product > button.add' },
    }),
    source_type: 'web',
    source_properties: JSON.stringify({
      url: { full_url: `https://shop.example/p/${i % 1000}?ref=home`, host: 'shop.example', path: `/p/${i % 1000}` },
      user_agent: { raw: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36', browser: 'Chrome' },
      origin: 'dom',
    }),
  };
}

async function* lazyRows(rows: number): AsyncGenerator<EventRow[]> {
  for (let start = 0; start < rows; start += BATCH_SIZE) {
    const end = Math.min(rows, start + BATCH_SIZE);
    yield Array.from({ length: end - start }, (_, k) => benchEvent(start + k));
  }
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

/** Syncs `rows` rows through the Redshift plugin against a fresh Redshift Data API fake. */
export async function benchRedshift(rows: number): Promise<WarehouseBenchResult> {
  const fake = await RedshiftDataFake.start();
  try {
    const config = parseDestinationConfig(redshiftDestination, {
      region: 'us-east-1',
      clusterIdentifier: 'tributary-cluster',
      dbUser: 'tributary',
      database: 'dev',
      accessKeyId: 'AKIAFAKEFAKEFAKE0001',
      secretAccessKey: 'fake',
      schema: 'bench',
      endpoint: fake.endpoint,
      // Against the fake a statement finishes in milliseconds; real clusters need the defaults.
      pollInitialMs: 2,
      pollMaxMs: 50,
    });
    const setup = await redshiftDestination.connect(config, { logger: silentLogger });
    await setup.ensureTables();
    await setup.close();
    return await measure('redshift', rows, fake, async (onStatement) => {
      const connection = await redshiftDestination.connect(config, { logger: silentLogger, onStatement });
      try {
        await connection.loadEvents(lazyRows(rows));
      } finally {
        await connection.close();
      }
    });
  } finally {
    await fake.close();
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
