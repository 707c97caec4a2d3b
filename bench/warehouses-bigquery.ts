/**
 * Sync benchmark of the BigQuery destination through the real @google-cloud/bigquery SDK against
 * the protocol fake (DuckDB behind it), beside the fake engine's own bulk load of the same rows:
 * DuckDB reading the same NDJSON file into a table of the same schema, the statement the fake
 * runs for a load job. Ratios are taken in one run.
 *
 *   npm run bench:bigquery                               # 1M and 3M rows
 *   npx tsx bench/warehouses-bigquery.ts 1000000 10000000
 *
 * Each size runs in its own process (so the peak RSS printed is that size's), with the fake in
 * another process (so the RSS is the plugin's and the SDK's, not the fake's). Before the measured
 * sync, six days of history are loaded so the MERGE has partitions to prune; the re-sync of the
 * same rows then shows what a merge into a populated day reads. Figures are the fake's (DuckDB on
 * this machine, loopback), not BigQuery's: real BigQuery adds seconds of latency per job and the
 * upload runs at the network's speed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { OAuth2Client } from 'google-auth-library';
import { bigquerySql, createBigqueryDestination } from '../plugins/bigquery/index.ts';
import { eventLine } from '../plugins/bigquery/ndjson.ts';
import { parseDestinationConfig, silentLogger } from '@tributary/destination-sdk';
import type { EventRow } from '@tributary/destination-sdk';
import { DUCKDB_TYPES } from '../test/fakes/bigquery-sql.ts';
import type { MergeScan } from '../test/fakes/bigquery-fake.ts';
import { benchBatches } from './sync-destinations.ts';
import { scriptArguments } from '../test/support/start-command.ts';

process.env.METADATA_SERVER_DETECTION = 'none';
const here = dirname(fileURLToPath(import.meta.url));

/** What one size measured. */
interface SizeResult {
  rows: number;
  /** Jobs (load, MERGE, TRUNCATE) of the measured sync. */
  jobs: number;
  requests: number;
  chunks: number;
  byApi: Record<string, number>;
  syncSeconds: number;
  /** From the start of the sync to the MERGE: the window encoded, uploaded and loaded into raw_events. */
  loadSeconds: number;
  resyncSeconds: number;
  baselineSeconds: number;
  /** The same rows only encoded as NDJSON lines (no upload): the plugin's share of the CPU. */
  encodeSeconds: number;
  bytesPerRow: number;
  peakRssMb: number;
  fakeRssMb: number;
  range: { from: string; to: string } | null | undefined;
  merge: MergeScan | null;
  remerge: MergeScan | null;
}

interface Stats {
  requests: number;
  byApi: Record<string, number>;
  lastMergeScan: MergeScan | null;
  rssMb: number;
}

const HISTORY_DAYS = 6;
const HISTORY_ROWS_PER_DAY = 50_000;

function staticToken(): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: 'fake', expiry_date: Date.now() + 24 * 3600 * 1000 });
  return client;
}

async function startFake(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, '../test/fakes/bigquery-fake-server.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: child.stdout })) {
    const { url } = JSON.parse(line) as { url: string };
    return { url, stop: () => child.kill('SIGTERM') };
  }
  throw new Error('the fake did not start');
}

const stats = async (url: string): Promise<Stats> => (await (await fetch(`${url}/_fake/stats`)).json()) as Stats;
const reset = async (url: string) => void (await fetch(`${url}/_fake/reset`, { method: 'POST' }));

const pad = (value: number, width: number) => String(value).padStart(width, '0');
let templates: EventRow[] | undefined;

/**
 * `rows` events of `date` in batches of 5,000, like the sync host streams them: the bench rows of
 * bench/sync-destinations.ts (same sizes and shapes), their properties built once, and one batch
 * of row objects refilled with each row's own id and time (50 a second from midnight): the
 * plugin consumes a batch before it asks for the next, so the time and memory measured are the
 * plugin's, not the generator's.
 */
async function* windowRows(rows: number, date = '2026-11-26', prefix = ''): AsyncGenerator<EventRow[]> {
  if (!templates) {
    templates = [];
    for await (const batch of benchBatches(5_000)) templates.push(...batch);
  }
  const batch = templates.map((row) => ({ ...row }));
  for (let start = 0; start < rows; start += batch.length) {
    const size = Math.min(batch.length, rows - start);
    for (let j = 0; j < size; j += 1) {
      const i = start + j;
      const seconds = Math.floor(i / 50);
      const clock = `${pad(Math.floor(seconds / 3600) % 24, 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}.${pad((i * 7919) % 1_000_000, 6)}Z`;
      const row = batch[j]!;
      row.event_id = `${prefix}01JD${pad(i, 12)}X${(i * 2654435761) % 4294967296}`;
      row.event_time = `${date}T${clock}`;
      row.processed_time = `2026-11-27T${clock}`;
    }
    yield size === batch.length ? batch : batch.slice(0, size);
  }
}

/** The bench rows of one earlier day, with ids of their own. */
function historyDay(day: number): AsyncGenerator<EventRow[]> {
  return windowRows(HISTORY_ROWS_PER_DAY, `2026-11-${pad(26 - day, 2)}`, `H${day}`);
}

/**
 * DuckDB's own bulk load of the NDJSON file: the load job's statement, alone. DuckDB is loaded
 * only now, after the plugin's peak RSS was read.
 */
async function duckdbBulkLoad(file: string, expected: number): Promise<number> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    await db.run(`SET TimeZone = 'UTC'`);
    const fields = bigquerySql.tableSchema('raw_events');
    await db.run(`CREATE TABLE raw_events (${fields.map((f) => `"${f.name}" ${DUCKDB_TYPES[f.type]}`).join(', ')})`);
    const columns = fields.map((f) => `"${f.name}": '${DUCKDB_TYPES[f.type]}'`).join(', ');
    const started = performance.now();
    const inserted = await db.run(
      `INSERT INTO raw_events SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {${columns}})`,
    );
    const seconds = (performance.now() - started) / 1000;
    if (inserted.rowsChanged !== expected) throw new Error(`the baseline loaded ${inserted.rowsChanged} rows, not ${expected}`);
    return seconds;
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

async function measure(rows: number): Promise<SizeResult> {
  const fake = await startFake();
  try {
    const destination = createBigqueryDestination({ authClient: staticToken(), pollIntervalMs: 50 });
    const config = parseDestinationConfig(destination, {
      projectId: 'test-proj',
      datasetId: 'bench',
      authentication: 'applicationDefault',
      apiEndpoint: fake.url,
    });
    const calls: { statement: string; at: number }[] = [];
    const connection = await destination.connect(config, {
      logger: silentLogger,
      onStatement: (statement) => calls.push({ statement, at: performance.now() }),
    });
    await connection.ensureTables();
    for (let day = 1; day <= HISTORY_DAYS; day += 1) await connection.loadEvents(historyDay(day));
    await reset(fake.url);
    calls.length = 0;

    const started = performance.now();
    const result = await connection.loadEvents(windowRows(rows));
    const syncSeconds = (performance.now() - started) / 1000;
    const mergeAt = calls.find((c) => c.statement.startsWith('MERGE'))!.at;
    const jobs = calls.length;
    const syncStats = await stats(fake.url);

    // The same rows again: the MERGE now reads the populated day and changes nothing.
    const againStarted = performance.now();
    await connection.loadEvents(windowRows(rows));
    const resyncSeconds = (performance.now() - againStarted) / 1000;
    const againStats = await stats(fake.url);
    await connection.close();
    const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);

    // Baseline: the same NDJSON (written, not timed), bulk-loaded by DuckDB.
    const dir = await mkdtemp(join(tmpdir(), 'tributary-bq-bench-'));
    try {
      const file = join(dir, 'rows.ndjson');
      const out = createWriteStream(file);
      for await (const batch of windowRows(rows)) {
        let chunk = '';
        for (const row of batch) chunk += eventLine(row);
        if (!out.write(chunk)) await once(out, 'drain');
      }
      out.end();
      await finished(out);
      const { size } = await stat(file);
      const baselineSeconds = await duckdbBulkLoad(file, rows);
      const encodeStarted = performance.now();
      for await (const batch of windowRows(rows)) for (const row of batch) eventLine(row);
      const encodeSeconds = (performance.now() - encodeStarted) / 1000;
      return {
        rows,
        jobs,
        requests: syncStats.requests,
        chunks: syncStats.byApi['upload.chunk'] ?? 0,
        byApi: syncStats.byApi,
        syncSeconds,
        loadSeconds: (mergeAt - started) / 1000,
        resyncSeconds,
        baselineSeconds,
        encodeSeconds,
        bytesPerRow: Math.round(size / rows),
        peakRssMb,
        fakeRssMb: againStats.rssMb,
        range: result.mergedEventTimeRange,
        merge: syncStats.lastMergeScan,
        remerge: againStats.lastMergeScan,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } finally {
    fake.stop();
  }
}

async function measureInChild(rows: number): Promise<SizeResult> {
  // With npm start's node flags: the plugin runs as it does inside the server.
  const child = spawn(process.execPath, [...scriptArguments(), fileURLToPath(import.meta.url), '--one', String(rows)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let last = '';
  for await (const line of createInterface({ input: child.stdout })) last = line;
  const [code] = (await once(child, 'close')) as [number];
  if (code !== 0) throw new Error(`the ${rows}-row run failed (exit ${code})`);
  return JSON.parse(last) as SizeResult;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

function print(results: SizeResult[]): void {
  console.log('BigQuery destination vs its protocol fake (DuckDB behind it); baseline: DuckDB bulk-loading the same NDJSON file');
  console.log(
    '  rows        jobs  requests (chunks)  sync s  rows/s    load s  rows/s    baseline s  rows/s    ratio sync  ratio load  peak RSS',
  );
  for (const r of results) {
    console.log(
      `  ${fmt(r.rows).padEnd(11)} ${String(r.jobs).padEnd(5)} ${`${r.requests} (${r.chunks})`.padEnd(18)} ` +
        `${r.syncSeconds.toFixed(1).padEnd(7)} ${fmt(r.rows / r.syncSeconds).padEnd(9)} ${r.loadSeconds.toFixed(1).padEnd(7)} ${fmt(r.rows / r.loadSeconds).padEnd(9)} ` +
        `${r.baselineSeconds.toFixed(1).padEnd(11)} ${fmt(r.rows / r.baselineSeconds).padEnd(9)} ${(r.baselineSeconds / r.syncSeconds).toFixed(2).padEnd(11)} ` +
        `${(r.baselineSeconds / r.loadSeconds).toFixed(2).padEnd(11)} ${r.peakRssMb} MB`,
    );
  }
  for (const r of results) {
    console.log(
      `  ${fmt(r.rows)} rows: ${r.bytesPerRow} bytes/row of NDJSON; encoding the rows alone ${r.encodeSeconds.toFixed(1)} s, so at most ` +
        `${(r.baselineSeconds / (r.encodeSeconds + r.baselineSeconds)).toFixed(2)} for any load that must encode them before the engine loads them (baseline / (encoding + baseline)); ` +
        `requests ${JSON.stringify(r.byApi)}; re-sync ${r.resyncSeconds.toFixed(1)} s; fake process ${r.fakeRssMb} MB`,
    );
    for (const [label, scan] of [
      ['first sync', r.merge],
      ['re-sync   ', r.remerge],
    ] as const) {
      if (!scan) continue;
      console.log(
        `    MERGE ${label}: range ${scan.from} .. ${scan.to}, partitions read ${scan.partitionsScanned} of ${scan.partitionsTotal}, ` +
          `${gb(scan.bytesProcessed)} billed by BigQuery's DML rule (unbounded: ${gb(scan.bytesUnbounded)})`,
      );
    }
  }
  // A year of history at 1M rows/hour, from the logical row size measured here.
  const scan = results.at(-1)?.remerge;
  if (!scan || scan.targetRows === 0) return;
  const targetRowBytes = (scan.bytesUnbounded - scan.sourceBytes) / scan.targetRows;
  const sourceRowBytes = scan.sourceBytes / results.at(-1)!.rows;
  const perMerge = (targetRows: number) => targetRows * targetRowBytes + 1e6 * sourceRowBytes;
  const monthly = (bytes: number) => `${gb(bytes * 720)} / month, $${fmt(((bytes * 720) / 2 ** 40) * 6.25)} on demand ($6.25/TiB)`;
  console.log(
    `  estimate, a year of history at 1M rows/hour (${fmt(targetRowBytes)} logical bytes/row stored, ${fmt(sourceRowBytes)} staged), 720 merges a month:`,
  );
  console.log(`    unbounded (every partition): ${gb(perMerge(8_760e6))} per MERGE, ${monthly(perMerge(8_760e6))}`);
  console.log(`    bounded, window within one day: ${gb(perMerge(24e6))} per MERGE, ${monthly(perMerge(24e6))}`);
  console.log(`    bounded, window across two days: ${gb(perMerge(48e6))} per MERGE, ${monthly(perMerge(48e6))}`);
}

if (process.argv[2] === '--one') {
  process.stdout.write(`${JSON.stringify(await measure(Number(process.argv[3])))}\n`);
} else {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  const results: SizeResult[] = [];
  for (const rows of sizes.length ? sizes : [1_000_000, 3_000_000]) results.push(await measureInChild(rows));
  print(results);
}
