/**
 * Load benchmark of the Postgres and DuckDB destinations against a raw baseline measured in the
 * same run: `COPY` of the same rows into a plain logged table of the same Postgres (for DuckDB,
 * an appender into a plain table of the same file). Rows are generated lazily in batches, as the
 * sync host streams them, so peak RSS shows whether memory grows with the window.
 *
 *   npx tsx bench/sync-destinations.ts 200000            # both
 *   npx tsx bench/sync-destinations.ts 200000 postgres   # one
 *
 * Postgres: TRIBUTARY_WAREHOUSE_PG_URL, else DATABASE_URL, else the local tributary_wh_test.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import postgres from 'postgres';
import duckdbDestination from '../plugins/duckdb/index.ts';
import postgresDestination from '../plugins/postgres/index.ts';
import { encodeCopyText } from '@tributary/destination-sdk';
import { EVENT_ROW_COLUMNS, parseDestinationConfig, silentLogger } from '@tributary/destination-sdk';
import type { DestinationConnection, EventRow } from '@tributary/destination-sdk';

/** What one benchmark measured. */
export interface LoadBenchResult {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  baselineSeconds: number;
  baselineRowsPerSec: number;
  /** rowsPerSec / baselineRowsPerSec; the Postgres target is ≥ 0.7. */
  ratio: number;
  peakRssMb: number;
  bytesPerRow: number;
}

const BATCH_SIZE = 5_000;
const EVENT_TYPES = ['navigate', 'click', 'click', 'click', 'change', 'custom', 'identify', 'element_seen'];

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** A realistic event row (~350–400 bytes, like the reference measurements). */
function benchEvent(i: number): EventRow {
  const seconds = Math.floor(i / 50);
  const time = `2026-11-26T${pad(Math.floor(seconds / 3600) % 24, 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}.${pad((i * 7919) % 1_000_000, 6)}Z`;
  const eventType = EVENT_TYPES[i % EVENT_TYPES.length]!;
  const device = 5_000_000_000_000 + Math.floor(i / 200);
  return {
    event_id: `01JD${pad(i, 12)}X${(i * 2654435761) % 4294967296}`,
    event_time: time,
    processed_time: time.replace('2026-11-26', '2026-11-27'),
    device_id: String(device),
    session_id: String(device * 10 + 1),
    view_id: String(device * 100 + (i % 7)),
    event_type: eventType,
    event_properties: JSON.stringify({
      event_definition_id: `def_${i % 40}`,
      target: {
        text: 'Add to cart',
        masked: false,
        raw_selector: 'main > div.product > button.add',
        element_definition_id: `el_${i % 25}`,
      },
    }),
    source_type: 'web',
    source_properties: JSON.stringify({
      entrypoint: 'sdk-web',
      origin: 'dom',
      url: { full_url: `https://shop.example.com/products/${i % 5000}?ref=home`, host: 'shop.example.com', path: `/products/${i % 5000}` },
      user_agent: { browser: 'Chrome', os: 'macOS', device: 'Desktop' },
    }),
  };
}

/** `rows` events in batches, never holding more than one batch. */
export async function* benchBatches(rows: number, batchSize = BATCH_SIZE): AsyncGenerator<EventRow[]> {
  for (let start = 0; start < rows; start += batchSize) {
    const end = Math.min(rows, start + batchSize);
    const batch: EventRow[] = new Array(end - start);
    for (let i = start; i < end; i += 1) batch[i - start] = benchEvent(i);
    yield batch;
  }
}

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

function result(rows: number, seconds: number, baselineSeconds: number, bytes: number): LoadBenchResult {
  const rowsPerSec = rows / seconds;
  const baselineRowsPerSec = rows / baselineSeconds;
  return {
    rows,
    seconds: round(seconds),
    rowsPerSec: Math.round(rowsPerSec),
    baselineSeconds: round(baselineSeconds),
    baselineRowsPerSec: Math.round(baselineRowsPerSec),
    ratio: round(rowsPerSec / baselineRowsPerSec),
    peakRssMb: peakRssMb(),
    bytesPerRow: Math.round(bytes / rows),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { seconds: (performance.now() - started) / 1000, value };
}

function warehouseUrl(): string {
  return process.env.TRIBUTARY_WAREHOUSE_PG_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tributary_wh_test';
}

/**
 * Loads `rows` events through the Postgres destination and through a raw COPY baseline,
 * alternating `rounds` times (shared machines are noisy) and comparing the medians.
 */
export async function benchPostgresLoad(rows: number, rounds = 3): Promise<LoadBenchResult> {
  const url = warehouseUrl();
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const baselineTimes: number[] = [];
  const loadTimes: number[] = [];
  let bytes = 0;
  try {
    for (let round = 0; round < rounds; round += 1) {
      const schema = `bench_${Date.now().toString(36)}_${round}`;
      let connection: DestinationConnection | undefined;
      try {
        await admin`CREATE SCHEMA ${admin(schema)}`;
        await admin`CREATE TABLE ${admin(schema)}.baseline_events (
          event_id text PRIMARY KEY, event_time timestamptz NOT NULL, processed_time timestamptz NOT NULL,
          updated_time timestamptz NOT NULL DEFAULT now(), device_id bigint NOT NULL, session_id bigint,
          view_id bigint, event_type text, event_properties jsonb, source_type text NOT NULL, source_properties jsonb)`;
        const baseline = await timed(async () => {
          const stream = await admin`COPY ${admin(schema)}.baseline_events (${admin([...EVENT_ROW_COLUMNS])}) FROM STDIN`.writable();
          for await (const batch of benchBatches(rows)) {
            if (!stream.write(encodeCopyText(batch).text)) await once(stream, 'drain');
          }
          stream.end();
          await finished(stream);
        });
        baselineTimes.push(baseline.seconds);

        const config = parseDestinationConfig(postgresDestination, { url, schema });
        connection = await postgresDestination.connect(config, { logger: silentLogger });
        await connection.ensureTables();
        const open = connection;
        const load = await timed(() => open.loadEvents(benchBatches(rows)));
        if (load.value.rowsMerged !== rows) throw new Error(`merged ${load.value.rowsMerged} of ${rows} rows`);
        loadTimes.push(load.seconds);
        bytes = load.value.bytes;
      } finally {
        await connection?.close();
        await admin`DROP SCHEMA IF EXISTS ${admin(schema)} CASCADE`;
      }
    }
    if (process.env.BENCH_VERBOSE) console.error({ loadTimes, baselineTimes });
    return result(rows, median(loadTimes), median(baselineTimes), bytes);
  } finally {
    await admin.end();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Loads `rows` events through the DuckDB destination and through a plain appender baseline. */
export async function benchDuckdbLoad(rows: number): Promise<LoadBenchResult> {
  const folder = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  const path = join(folder, 'warehouse.duckdb');
  try {
    const baseline = await timed(async () => {
      const instance = await DuckDBInstance.create(join(folder, 'baseline.duckdb'));
      const db = await instance.connect();
      await db.run(`CREATE TABLE baseline_events (event_id VARCHAR, event_time TIMESTAMPTZ, processed_time TIMESTAMPTZ,
        device_id BIGINT, session_id BIGINT, view_id BIGINT, event_type VARCHAR, event_properties JSON,
        source_type VARCHAR, source_properties JSON)`);
      const appender = await db.createAppender('baseline_events');
      for await (const batch of benchBatches(rows)) {
        for (const row of batch) {
          for (const column of EVENT_ROW_COLUMNS) {
            const value = row[column];
            if (value === null) appender.appendNull();
            else appender.appendVarchar(value);
          }
          appender.endRow();
        }
      }
      appender.closeSync();
      db.closeSync();
      instance.closeSync();
    });
    const config = parseDestinationConfig(duckdbDestination, { path });
    const connection = await duckdbDestination.connect(config, { logger: silentLogger });
    try {
      await connection.ensureTables();
      const load = await timed(() => connection.loadEvents(benchBatches(rows)));
      if (load.value.rowsMerged !== rows) throw new Error(`merged ${load.value.rowsMerged} of ${rows} rows`);
      return result(rows, load.seconds, baseline.seconds, load.value.bytes);
    } finally {
      await connection.close();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = Number(process.argv[2] ?? 200_000);
  const only = process.argv[3];
  if (!Number.isInteger(rows) || rows <= 0) throw new Error('usage: tsx bench/sync-destinations.ts <rows> [postgres|duckdb]');
  if (only !== 'duckdb') console.log('postgres', JSON.stringify(await benchPostgresLoad(rows)));
  if (only !== 'postgres') console.log('duckdb  ', JSON.stringify(await benchDuckdbLoad(rows)));
}
