/**
 * Sync benchmark of the Snowflake destination through snowflake-sdk against the Snowflake fake,
 * which runs in a process of its own (a DuckDB file behind it). This process loads nothing but
 * the plugin and a row generator, so its peak RSS is the Tributary side's: run each size in a
 * process of its own to see memory stay flat as the window grows.
 *
 *   npx tsx bench/warehouses-snowflake.ts 1000000
 *
 * Prints, from one run: the sync (rows/s, statements, HTTP round trips, peak RSS), the time of
 * each phase (writing the zstd files, PUT, COPY, MERGE), the merge's event_time range, and the
 * fake engine's own bulk load of the same files as the baseline (DuckDB `COPY` of the files the
 * plugin writes, into a table of the same columns with DuckDB's natural types), with the ratio.
 * The rows (bench/warehouse-rows.ts) are generated lazily in batches of 5,000, as the sync host streams them; the time spent
 * inside the generator is measured too (in a real sync the host reads them from Postgres). The
 * figures are DuckDB's on this machine, not Snowflake's.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseDestinationConfig, silentLogger } from '@tributary/destination-sdk';
import type { LoadResult } from '@tributary/destination-sdk';
import snowflakeDestination from '../plugins/snowflake/index.ts';
import { lazyRows } from './warehouse-rows.ts';
import { encodeRows, writeStagedFiles } from '../plugins/snowflake/staged-files.ts';
import { SNOWFLAKE_STAGING_COLUMNS } from '../plugins/snowflake/sql.ts';

/** What one Snowflake sync measured (the fields of the shared warehouse benchmark, and more). */
export interface SnowflakeBenchResult {
  warehouse: 'snowflake';
  rows: number;
  seconds: number;
  rowsPerSec: number;
  /** Statements the plugin sent during the sync (the login not counted). */
  statements: number;
  /** HTTP requests the fake received during the sync. */
  httpRoundTrips: number;
  /** Peak RSS of this process during the sync. */
  peakRssMb: number;
  /** RSS of this process just before the sync (node, tsx, snowflake-sdk loaded; one login done). */
  rssBeforeMb: number;
  /** Seconds of each phase: writing the files (the generator's share included), PUT, COPY, MERGE. */
  phases: { write: number; put: number; copy: number; merge: number };
  /** Seconds spent inside the row generator during the sync (the host's part of it). */
  generateSeconds: number;
  /** Seconds from the start to the end of the COPY: the rows staged in raw_events. */
  loadSeconds: number;
  mergedEventTimeRange: LoadResult['mergedEventTimeRange'];
  baseline: { seconds: number; files: number; compressedMb: number; textMb: number };
  /** Seconds to only encode the rows as the files' text (`copyText`, UTF-8), the generator's time left out. */
  encodeSeconds: number;
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

/** Syncs `rows` generated rows through the Snowflake plugin against a fresh fake. */
export async function benchSnowflake(rows: number): Promise<SnowflakeBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-snowflake-bench-'));
  const fake = await startFake(join(dir, 'fake.duckdb'));
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

    const rssBeforeMb = Math.round(process.memoryUsage().rss / 1e6);
    const statements: { text: string; at: number }[] = [];
    const rss = rssSampler();
    const started = performance.now();
    const connection = await snowflakeDestination.connect(config, {
      logger: silentLogger,
      onStatement: (text) => statements.push({ text, at: performance.now() }),
    });
    const generator = { seconds: 0 };
    let result: LoadResult;
    try {
      result = await connection.loadEvents(lazyRows(rows, generator));
    } finally {
      await connection.close();
    }
    const seconds = (performance.now() - started) / 1000;
    const peakRssMb = rss.stop();
    const { requests } = (await fake.get('stats')) as { requests: number };

    // Phases, from the time each statement was sent (the files are written before the login).
    const at = (prefix: string) => statements.findIndex((s) => s.text.startsWith(prefix));
    const span = (from: number, to: number) => (statements[to]!.at - statements[from]!.at) / 1000;
    const phases = {
      write: (statements[0]!.at - started) / 1000,
      put: span(at('PUT '), at('COPY ')),
      copy: span(at('COPY '), at('BEGIN')),
      merge: span(at('MERGE '), at('MERGE ') + 1),
    };

    // Baseline: DuckDB's own COPY of the same files, into a table of the same columns with
    // DuckDB's natural types (BIGINT ids: its text → DECIMAL(19,0) parse is many times slower).
    // The generated rows hold no tab, newline or backslash, so DuckDB reads the files as written.
    const files = join(dir, 'baseline');
    await mkdir(files);
    const written = await writeStagedFiles(lazyRows(rows), files, config.fileSizeMb * 1024 * 1024);
    const columns = Object.entries(SNOWFLAKE_STAGING_COLUMNS)
      .map(([name, type]) => `${name} ${type.replace(/^TIMESTAMP_NTZ\(6\)$/, 'TIMESTAMP').replace(/^NUMBER\(19,0\)$/, 'BIGINT')}`)
      .join(', ');
    await fake.query(`CREATE TABLE bench.baseline (${columns})`);
    const baselineStarted = performance.now();
    await fake.query(
      `COPY bench.baseline FROM '${files}/*.tsv.zst' (FORMAT csv, HEADER false, DELIMITER '\t', QUOTE '', ESCAPE '', ` +
        `NULL '\\N', COMPRESSION zstd, TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%S.%fZ')`,
    );
    const baselineSeconds = (performance.now() - baselineStarted) / 1000;
    const [count] = await fake.query('SELECT count(*)::BIGINT AS n FROM bench.baseline');
    if (Number(count?.n) !== rows) throw new Error(`the baseline loaded ${String(count?.n)} rows of ${rows}`);

    // The least a plugin must do before the engine loads: encode the rows as the files' text.
    const encodeTiming = { seconds: 0 };
    const encodeStarted = performance.now();
    const scratch = { buffer: Buffer.alloc(0) };
    for await (const batch of lazyRows(rows, encodeTiming)) encodeRows(batch, 0, batch.length, scratch);
    const encodeSeconds = (performance.now() - encodeStarted) / 1000 - encodeTiming.seconds;

    return {
      warehouse: 'snowflake',
      rows,
      seconds: Math.round(seconds * 100) / 100,
      rowsPerSec: Math.round(rows / seconds),
      statements: statements.filter((s) => !s.text.startsWith('login ')).length,
      httpRoundTrips: requests,
      peakRssMb,
      rssBeforeMb,
      phases,
      generateSeconds: generator.seconds,
      loadSeconds: (statements[at('BEGIN')]!.at - started) / 1000,
      mergedEventTimeRange: result.mergedEventTimeRange,
      encodeSeconds,
      baseline: {
        seconds: baselineSeconds,
        files: written.files.length,
        compressedMb: Math.round(written.compressedBytes / 1e6),
        textMb: Math.round(written.bytes / 1e6),
      },
    };
  } finally {
    await fake.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The Snowflake fake in a child process: its admin endpoints, a DuckDB file, 4 GB of memory. */
async function startFake(database: string) {
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
  const admin = (path: string, init?: RequestInit) =>
    fetch(`${url}/_fake/${path}`, init).then((res) => res.json() as Promise<Record<string, unknown>>);
  return {
    url,
    get: (path: string) => admin(path),
    post: (path: string) => admin(path, { method: 'POST' }),
    query: async (sql: string) => {
      const answer = await admin('query', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sql }),
      });
      if (!answer.rows) throw new Error(`the fake refused ${sql.slice(0, 60)}…: ${String(answer.message)}`);
      return answer.rows as Record<string, unknown>[];
    },
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  if (!Number.isInteger(rows) || rows <= 0) throw new Error('usage: bench/warehouses-snowflake.ts <rows>');
  const r = await benchSnowflake(rows);
  const s = (seconds: number) => `${seconds.toFixed(1)} s`;
  console.log(`Snowflake destination vs its fake (DuckDB in a process of its own), ${rows.toLocaleString('en-US')} rows`);
  console.log(
    `  sync      : ${s(r.seconds)}, ${r.rowsPerSec.toLocaleString('en-US')} rows/s, ${r.statements} statements, ` +
      `${r.httpRoundTrips} HTTP round trips, peak RSS ${r.peakRssMb} MB (${r.rssBeforeMb} MB before it)`,
  );
  console.log(
    `  phases    : write files ${s(r.phases.write)} (${s(r.generateSeconds)} of it inside the row generator), PUT ${s(r.phases.put)}, ` +
      `COPY ${s(r.phases.copy)}, MERGE ${s(r.phases.merge)}`,
  );
  console.log(`  merge     : bounded to event_time ${r.mergedEventTimeRange?.from} .. ${r.mergedEventTimeRange?.to}`);
  console.log(
    `  baseline  : DuckDB COPY of the same ${r.baseline.files} file(s) (${r.baseline.compressedMb} MB zstd, ${r.baseline.textMb} MB text) ` +
      `${s(r.baseline.seconds)}, ${Math.round(rows / r.baseline.seconds).toLocaleString('en-US')} rows/s`,
  );
  const ratio = (seconds: number) => (r.baseline.seconds / seconds).toFixed(2);
  console.log(
    `  ratio     : baseline/load (rows → raw_events, ${s(r.loadSeconds)}) ${ratio(r.loadSeconds)}, ` +
      `${ratio(r.loadSeconds - r.generateSeconds)} without the generator's time; ` +
      `baseline/sync (with the MERGE) ${ratio(r.seconds)}, ${ratio(r.seconds - r.generateSeconds)} without the generator's time`,
  );
  console.log(
    `  ceiling   : encoding the rows alone ${s(r.encodeSeconds)}, so at most ${ratio(r.encodeSeconds + r.baseline.seconds)} ` +
      `for any load that must encode them before the engine loads them (baseline / (encoding + baseline))`,
  );
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
