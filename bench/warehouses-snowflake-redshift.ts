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
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import redshiftDestination from '../plugins/redshift/index.ts';
import { parseDestinationConfig, silentLogger } from '../plugins/sdk/index.ts';
import type { EventRow, LoadResult } from '../plugins/sdk/index.ts';
import snowflakeDestination from '../plugins/snowflake/index.ts';
import { writeStagedFiles } from '../plugins/snowflake/staged-files.ts';
import { SNOWFLAKE_STAGING_COLUMNS } from '../plugins/snowflake/sql.ts';
import { RedshiftDataFake } from '../test/fakes/redshift-data-fake.ts';

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

/**
 * Syncs `rows` rows through the Snowflake plugin against a fresh Snowflake fake running in a
 * process of its own (a DuckDB file behind it), so the peak RSS is this process's: the plugin,
 * snowflake-sdk and the row generator. Also prints, from the same run: the time of each phase
 * (writing the gzip CSV files, PUT, COPY, MERGE), the merge's event_time range, and the fake
 * engine's own bulk load of the same files (DuckDB `COPY` of the files the plugin writes, into a
 * table of raw_events' types) as the baseline, with the ratio of the two.
 */
export async function benchSnowflake(rows: number): Promise<WarehouseBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-snowflake-bench-'));
  const fake = await startSnowflakeFake(join(dir, 'fake.duckdb'));
  try {
    const config = parseDestinationConfig(snowflakeDestination, {
      account: 'bench',
      username: 'tributary',
      password: 'secret',
      warehouse: 'WH',
      database: 'DB',
      schema: 'bench',
      accessUrl: fake.url,
    });
    const setup = await snowflakeDestination.connect(config, { logger: silentLogger });
    await setup.ensureTables();
    await setup.close();
    await fake.post('clear-log');

    const statements: { text: string; at: number }[] = [];
    const rss = rssSampler();
    const started = performance.now();
    const connection = await snowflakeDestination.connect(config, {
      logger: silentLogger,
      onStatement: (text) => statements.push({ text, at: performance.now() }),
    });
    let result: LoadResult;
    try {
      result = await connection.loadEvents(lazyRows(rows));
    } finally {
      await connection.close();
    }
    const seconds = (performance.now() - started) / 1000;
    const peakRssMb = rss.stop();
    const { requests } = (await fake.get('stats')) as { requests: number };

    // Phases, from the time each statement was sent (the files are written before the login).
    const at = (prefix: string) => statements.findIndex((s) => s.text.startsWith(prefix));
    const span = (from: number, to: number) => `${((statements[to]!.at - statements[from]!.at) / 1000).toFixed(1)} s`;
    console.log(
      `snowflake phases: write files ${((statements[0]!.at - started) / 1000).toFixed(1)} s, PUT ${span(at('PUT '), at('COPY '))}, ` +
        `COPY ${span(at('COPY '), at('BEGIN'))}, MERGE ${span(at('MERGE '), at('MERGE ') + 1)}; ` +
        `merge bounded to event_time ${result.mergedEventTimeRange?.from} .. ${result.mergedEventTimeRange?.to}`,
    );

    // Baseline: DuckDB's own COPY of the same files, into a table of the same columns with
    // DuckDB's natural types (BIGINT: its text → DECIMAL(19,0) parse is many times slower). The
    // generated rows have no tab, newline or backslash, so DuckDB reads the files as written.
    const files = join(dir, 'baseline');
    await mkdir(files);
    const written = await writeStagedFiles(lazyRows(rows), files, config.fileSizeMb * 1024 * 1024);
    const columns = Object.entries(SNOWFLAKE_STAGING_COLUMNS)
      .map(([name, type]) => `${name} ${type.replace(/^TIMESTAMP_NTZ\(6\)$/, 'TIMESTAMP').replace(/^NUMBER\(19,0\)$/, 'BIGINT')}`)
      .join(', ');
    await fake.query(`CREATE TABLE bench.baseline (${columns})`);
    const baselineStarted = performance.now();
    await fake.query(
      `COPY bench.baseline FROM '${files}/*.tsv.gz' (FORMAT csv, HEADER false, DELIMITER '\t', QUOTE '', ESCAPE '', ` +
        `NULL '\\N', COMPRESSION gzip, TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%S.%fZ')`,
    );
    const baselineSeconds = (performance.now() - baselineStarted) / 1000;
    const [{ n }] = (await fake.query('SELECT count(*)::BIGINT AS n FROM bench.baseline')) as [{ n: string }];
    if (Number(n) !== rows) throw new Error(`the baseline loaded ${n} rows of ${rows}`);
    console.log(
      `snowflake baseline: DuckDB COPY of the same ${written.files.length} file(s) (${(written.compressedBytes / 1e6).toFixed(0)} MB gzip, ` +
        `${(written.bytes / 1e6).toFixed(0)} MB text) ${baselineSeconds.toFixed(2)} s, ${Math.round(rows / baselineSeconds)} rows/s; ` +
        `sync/baseline ratio ${(baselineSeconds / seconds).toFixed(2)}`,
    );
    return {
      warehouse: 'snowflake',
      rows,
      seconds: Math.round(seconds * 100) / 100,
      rowsPerSec: Math.round(rows / seconds),
      statements: statements.filter((s) => !s.text.startsWith('login ')).length,
      httpRoundTrips: requests,
      peakRssMb,
    };
  } finally {
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The Snowflake fake in a child process (its admin endpoints, a DuckDB file of 4 GB memory). */
async function startSnowflakeFake(database: string) {
  const here = dirname(fileURLToPath(import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, '../test/fakes/snowflake-fake-server.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SNOWFLAKE_FAKE_DB: database, SNOWFLAKE_FAKE_MEMORY_LIMIT: '4GB' },
  });
  let url: string | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    url = (JSON.parse(line) as { url: string }).url;
    break;
  }
  if (!url) throw new Error('the Snowflake fake did not start');
  const admin = (path: string, init?: RequestInit) => fetch(`${url}/_fake/${path}`, init).then((res) => res.json() as Promise<Record<string, unknown>>);
  return {
    url,
    get: (path: string) => admin(path),
    post: (path: string) => admin(path, { method: 'POST' }),
    query: async (sql: string) => {
      const answer = await admin('query', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql }) });
      if (!answer.rows) throw new Error(`the fake refused ${sql.slice(0, 60)}…: ${String(answer.message)}`);
      return answer.rows as Record<string, unknown>[];
    },
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
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
